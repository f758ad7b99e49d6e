/*
 * Drives libssh (the C library behind KDE's sftp://, qemu's ssh:// and Ansible's libssh
 * connection) for test/interop/libssh.test.ts: one connection, then the steps named on the
 * command line, one result line per step on stdout. Built by the test with the system's cc.
 *
 * Arguments: port user known_hosts password:PW|key:PATH|cert:PATH [-o kex|hostkeys|ciphers|macs|compression=LIST]... step...
 * cert:PATH logs in with the key at PATH and its OpenSSH certificate at PATH-cert.pub.
 * A step is its words joined by '|', e.g. "put|local.bin|remote.bin".
 */
#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WORDS 4
#define CHUNK (64 * 1024)

static void die(ssh_session session, const char *what) {
  fprintf(stderr, "%s: %s\n", what, session ? ssh_get_error(session) : "");
  exit(1);
}

static int split(char *step, char **words) {
  int n = 0;
  for (char *w = strtok(step, "|"); w && n < MAX_WORDS; w = strtok(NULL, "|")) words[n++] = w;
  return n;
}

static void set_algorithms(ssh_session session, const char *option) {
  const char *eq = strchr(option, '=');
  if (!eq) die(NULL, "-o takes name=list");
  size_t len = (size_t)(eq - option);
  const char *list = eq + 1;
  int ok = 0;
  if (!strncmp(option, "kex", len)) ok = ssh_options_set(session, SSH_OPTIONS_KEY_EXCHANGE, list);
  else if (!strncmp(option, "hostkeys", len)) ok = ssh_options_set(session, SSH_OPTIONS_HOSTKEYS, list);
  else if (!strncmp(option, "ciphers", len))
    ok = ssh_options_set(session, SSH_OPTIONS_CIPHERS_C_S, list) | ssh_options_set(session, SSH_OPTIONS_CIPHERS_S_C, list);
  else if (!strncmp(option, "macs", len))
    ok = ssh_options_set(session, SSH_OPTIONS_HMAC_C_S, list) | ssh_options_set(session, SSH_OPTIONS_HMAC_S_C, list);
  else if (!strncmp(option, "compression", len)) ok = ssh_options_set(session, SSH_OPTIONS_COMPRESSION, list);
  else die(NULL, "unknown -o name");
  if (ok != SSH_OK) die(session, option);
}

static void put(sftp_session sftp, const char *local, const char *remote, int flags) {
  int in = open(local, O_RDONLY);
  if (in < 0) die(NULL, local);
  sftp_file out = sftp_open(sftp, remote, O_WRONLY | O_CREAT | flags, 0644);
  if (!out) die(sftp->session, remote);
  char buf[CHUNK];
  for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;)
    if (sftp_write(out, buf, (size_t)n) != n) die(sftp->session, "sftp_write");
  close(in);
  if (sftp_close(out) != SSH_OK) die(sftp->session, "sftp_close");
}

static void get(sftp_session sftp, const char *remote, const char *local) {
  sftp_file in = sftp_open(sftp, remote, O_RDONLY, 0);
  if (!in) die(sftp->session, remote);
  int out = open(local, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) die(NULL, local);
  char buf[CHUNK];
  for (ssize_t n; (n = sftp_read(in, buf, sizeof buf)) > 0;)
    if (write(out, buf, (size_t)n) != n) die(NULL, local);
  close(out);
  sftp_close(in);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(sftp_session sftp, const char *path) {
  sftp_dir dir = sftp_opendir(sftp, path);
  if (!dir) die(sftp->session, path);
  char *names[256];
  int n = 0;
  for (sftp_attributes a; (a = sftp_readdir(sftp, dir)) != NULL; sftp_attributes_free(a))
    if (n < 256) names[n++] = strdup(a->name);
  if (!sftp_dir_eof(dir)) die(sftp->session, "readdir");
  sftp_closedir(dir);
  qsort(names, (size_t)n, sizeof names[0], cmp_names);
  printf("ls ");
  for (int i = 0; i < n; i++) {
    printf("%s%s", i ? "," : "", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void exec_command(ssh_session session, const char *command) {
  ssh_channel channel = ssh_channel_new(session);
  if (!channel || ssh_channel_open_session(channel) != SSH_OK) die(session, "open session");
  if (ssh_channel_request_exec(channel, command) != SSH_OK) {
    printf("exec refused\n");
    ssh_channel_free(channel);
    return;
  }
  char buf[CHUNK];
  size_t used = 0;
  for (int n; (n = ssh_channel_read(channel, buf + used, (uint32_t)(sizeof buf - 1 - used), 0)) > 0;)
    used += (size_t)n;
  buf[used] = 0;
  while (used && (buf[used - 1] == '\n')) buf[--used] = 0;
  ssh_channel_send_eof(channel);
  int status = ssh_channel_get_exit_status(channel);
  ssh_channel_close(channel);
  ssh_channel_free(channel);
  printf("exec %d %s\n", status, buf);
}

/* Runs one SFTP step; returns 0, or the SFTP status when it failed and `may_fail` is set. */
static int sftp_step(sftp_session sftp, char **w, int n, int may_fail) {
  int rc = 0;
  if (!strcmp(w[0], "put") && n == 3) put(sftp, w[1], w[2], O_TRUNC), printf("put %s\n", w[2]);
  else if (!strcmp(w[0], "append") && n == 3) put(sftp, w[1], w[2], O_APPEND), printf("appended %s\n", w[2]);
  else if (!strcmp(w[0], "get") && n == 3) get(sftp, w[1], w[2]), printf("got %s\n", w[1]);
  else if (!strcmp(w[0], "ls") && n == 2) list(sftp, w[1]);
  else if (!strcmp(w[0], "stat") && n == 2) {
    sftp_attributes a = sftp_stat(sftp, w[1]);
    if (!a) rc = -1;
    else {
      printf("stat %llu %o %u\n", (unsigned long long)a->size, a->permissions & 07777, a->mtime);
      sftp_attributes_free(a);
    }
  } else if (!strcmp(w[0], "mkdir") && n == 2) rc = sftp_mkdir(sftp, w[1], 0755);
  else if (!strcmp(w[0], "rmdir") && n == 2) rc = sftp_rmdir(sftp, w[1]);
  else if (!strcmp(w[0], "rm") && n == 2) rc = sftp_unlink(sftp, w[1]);
  else if (!strcmp(w[0], "rename") && n == 3) rc = sftp_rename(sftp, w[1], w[2]);
  else if (!strcmp(w[0], "chmod") && n == 3) rc = sftp_chmod(sftp, w[2], (mode_t)strtol(w[1], NULL, 8));
  else if (!strcmp(w[0], "symlink") && n == 3) rc = sftp_symlink(sftp, w[1], w[2]);
  else if (!strcmp(w[0], "readlink") && n == 2) {
    char *target = sftp_readlink(sftp, w[1]);
    if (!target) rc = -1;
    else printf("readlink %s\n", target), ssh_string_free_char(target);
  } else if (!strcmp(w[0], "realpath") && n == 2) {
    char *path = sftp_canonicalize_path(sftp, w[1]);
    if (!path) rc = -1;
    else printf("realpath %s\n", path), ssh_string_free_char(path);
  } else if (!strcmp(w[0], "statvfs") && n == 2) {
    sftp_statvfs_t s = sftp_statvfs(sftp, w[1]);
    if (!s) rc = -1;
    else printf("statvfs %s\n", s->f_bsize > 0 && s->f_namemax > 0 ? "ok" : "empty"), sftp_statvfs_free(s);
  } else die(NULL, w[0]);
  if (rc != 0) {
    if (may_fail) return sftp_get_error(sftp);
    die(sftp->session, w[0]);
  }
  if (!strcmp(w[0], "mkdir") || !strcmp(w[0], "rmdir") || !strcmp(w[0], "rm") || !strcmp(w[0], "rename") ||
      !strcmp(w[0], "chmod") || !strcmp(w[0], "symlink"))
    printf("%s %s\n", w[0], w[n - 1]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) die(NULL, "usage: port user known_hosts auth [-o name=list]... step...");
  ssh_session session = ssh_new();
  int port = atoi(argv[1]);
  ssh_options_set(session, SSH_OPTIONS_HOST, "127.0.0.1");
  ssh_options_set(session, SSH_OPTIONS_PORT, &port);
  ssh_options_set(session, SSH_OPTIONS_USER, argv[2]);
  ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, argv[3]);
  ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  int i = 5;
  for (; i + 1 < argc && !strcmp(argv[i], "-o"); i += 2) set_algorithms(session, argv[i + 1]);
  if (ssh_connect(session) != SSH_OK) die(session, "connect");
  if (ssh_session_is_known_server(session) != SSH_KNOWN_HOSTS_OK) die(session, "host key not known");
  const char *auth = argv[4];
  int rc;
  if (!strncmp(auth, "password:", 9)) rc = ssh_userauth_password(session, NULL, auth + 9);
  else {
    int with_cert = !strncmp(auth, "cert:", 5);
    const char *path = auth + (with_cert ? 5 : 4);
    ssh_key key = NULL;
    if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) die(session, "key");
    if (with_cert) {
      char cert_path[4096];
      ssh_key cert = NULL;
      snprintf(cert_path, sizeof cert_path, "%s-cert.pub", path);
      if (ssh_pki_import_cert_file(cert_path, &cert) != SSH_OK || ssh_pki_copy_cert_to_privkey(cert, key) != SSH_OK)
        die(session, "certificate");
      ssh_key_free(cert);
    }
    rc = ssh_userauth_publickey(session, NULL, key);
    ssh_key_free(key);
  }
  if (rc != SSH_AUTH_SUCCESS) die(session, "authentication");
  printf("connected %s %s %s %s\n", ssh_get_kex_algo(session), ssh_get_cipher_out(session),
         ssh_get_hmac_out(session), ssh_get_cipher_in(session));
  sftp_session sftp = NULL;
  for (; i < argc; i++) {
    char step[4096], *w[MAX_WORDS];
    snprintf(step, sizeof step, "%s", argv[i]);
    int n = split(step, w);
    if (n == 0) continue;
    if (!strcmp(w[0], "exec") && n == 2) {
      exec_command(session, w[1]);
      continue;
    }
    if (!sftp) {
      sftp = sftp_new(session);
      if (!sftp || sftp_init(sftp) != SSH_OK) die(session, "sftp");
    }
    if (!strcmp(w[0], "fails")) {
      int status = sftp_step(sftp, w + 1, n - 1, 1);
      if (status) printf("failed %d\n", status);
      else printf("did-not-fail\n");
    } else sftp_step(sftp, w, n, 0);
  }
  if (sftp) sftp_free(sftp);
  ssh_disconnect(session);
  ssh_free(session);
  return 0;
}
