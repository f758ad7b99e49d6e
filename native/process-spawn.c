/*
 * Starting a session's process without copying the server.
 *
 * node:child_process starts a process with fork(): the kernel copies the page tables of the whole
 * server (a Node process of 60–150 MiB), and the child then takes a copy-on-write fault on every
 * page it touches before exec. Measured here, that is 2–6 ms of CPU per `ssh host cmd`, most of
 * what an exec handshake costs. posix_spawn (glibc: clone with CLONE_VM|CLONE_VFORK) shares the
 * parent's memory until exec and costs the same whatever the server's size.
 *
 * The process gets three socket pairs as stdin, stdout and stderr (as libuv gives its children)
 * and no other descriptor, its own session (setsid), and every signal at its default disposition,
 * none blocked. Its exit is watched on the event loop through a pidfd (Linux 5.3): no thread waits
 * on it, and no other child of the server is reaped by mistake.
 *
 * A process with a terminal gets a new pty instead: the slave, opened by the child itself after
 * setsid (so it becomes its controlling terminal), as stdin, stdout and stderr; the server keeps
 * only the master, which pty-io.c reads and writes on the event loop.
 */
#define _GNU_SOURCE
#include "addon.h"
#include "pty-io.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

/* Linux with a libc that has POSIX_SPAWN_SETSID (glibc 2.26, musl 1.1.24), and at run time a
 * kernel of 5.4 or later; elsewhere the addon has no spawnProcess and sessions start processes
 * through node:child_process. */
#if defined(__linux__) && defined(SYS_pidfd_open) && defined(POSIX_SPAWN_SETSID)

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Most strings accepted in argv or the environment, and the longest one. */
#define MAX_STRINGS 4096
#define MAX_STRING_BYTES (1 << 20)

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_SSHD_KIT_NATIVE_SPAWN", message);
  return NULL;
}

/* A string argument as a NUL-terminated copy (freed by the caller); NULL when it is not a string,
 * holds a NUL, or is too long. */
static char *get_string(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok || length > MAX_STRING_BYTES) return NULL;
  char *s = malloc(length + 1);
  if (!s) return NULL;
  size_t copied;
  if (napi_get_value_string_utf8(env, value, s, length + 1, &copied) != napi_ok || copied != length ||
      strlen(s) != length) {
    free(s);
    return NULL;
  }
  return s;
}

static void free_strings(char **strings) {
  if (!strings) return;
  for (char **s = strings; *s; s++) free(*s);
  free(strings);
}

/* An array of strings as a NULL-terminated vector (freed with free_strings); NULL on any bad element. */
static char **get_strings(napi_env env, napi_value value, uint32_t min_count) {
  bool is_array;
  uint32_t count;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, value, &count) != napi_ok || count < min_count || count > MAX_STRINGS)
    return NULL;
  char **strings = calloc((size_t)count + 1, sizeof *strings);
  if (!strings) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, value, i, &element) != napi_ok || !(strings[i] = get_string(env, element))) {
      free_strings(strings);
      return NULL;
    }
  }
  return strings;
}

/* A process to start: the program (an absolute path), its argv and environment, its directory. */
struct command {
  char *file, *cwd;
  char **argv, **envp;
};

static void free_command(struct command *c) {
  free(c->file);
  free(c->cwd);
  free_strings(c->argv);
  free_strings(c->envp);
}

/* The command in args[0..3] (file, argv, env, cwd); 0, with a JavaScript error pending, when it is bad. */
static int get_command(napi_env env, const napi_value *args, struct command *c, const char *call) {
  c->file = get_string(env, args[0]);
  c->argv = get_strings(env, args[1], 1);
  c->envp = get_strings(env, args[2], 0);
  c->cwd = get_string(env, args[3]);
  if (c->file && c->argv && c->envp && c->cwd && c->file[0] == '/') return 1;
  char message[160];
  snprintf(message, sizeof message,
           "%s: file must be an absolute path, argv 1 or more strings, env strings, cwd a string", call);
  throw_error(env, message);
  return 0;
}

/* One running child: its pidfd polled on the event loop, and what to call when it exits. */
struct child_watch {
  uv_poll_t poll;
  napi_env env;
  int pidfd;
  napi_ref on_exit;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup;
};

static void watch_closed(uv_handle_t *handle) {
  struct child_watch *watch = (struct child_watch *)handle;
  close(watch->pidfd);
  napi_async_cleanup_hook_handle cleanup = watch->cleanup;
  free(watch);
  if (cleanup) napi_remove_async_cleanup_hook(cleanup);
}

/* Stops watching; the watch frees itself once libuv has let go of the handle. */
static void end_watch(struct child_watch *watch) {
  napi_delete_reference(watch->env, watch->on_exit);
  napi_async_destroy(watch->env, watch->async_context);
  uv_close((uv_handle_t *)&watch->poll, watch_closed);
}

/* The environment is going away (a worker ending) with the child still running: let go of it. */
static void watch_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  end_watch(arg);
}

/* Calls onExit(code, signal) on the event loop: code is the exit status, or -1 when a signal ended
 * the process, and signal is its number (0 when it exited). */
static void report_exit(struct child_watch *watch, int code, int signal) {
  napi_env env = watch->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, args[2];
  if (napi_get_reference_value(env, watch->on_exit, &callback) == napi_ok && callback &&
      napi_get_global(env, &receiver) == napi_ok && napi_create_int32(env, code, &args[0]) == napi_ok &&
      napi_create_int32(env, signal, &args[1]) == napi_ok) {
    if (napi_make_callback(env, watch->async_context, receiver, callback, 2, args, NULL) == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void child_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  struct child_watch *watch = (struct child_watch *)poll;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int reaped;
  do reaped = waitid(P_PIDFD, (id_t)watch->pidfd, &info, WEXITED | WNOHANG);
  while (reaped < 0 && errno == EINTR);
  if (status == 0 && reaped == 0 && info.si_pid == 0) return; /* woken, but not exited yet */
  uv_poll_stop(poll);
  int code = -1, signal = 0;
  if (reaped == 0 && info.si_code == CLD_EXITED) code = info.si_status;
  else if (reaped == 0) signal = info.si_status;
  report_exit(watch, code, signal);
  end_watch(watch);
}

/* Starts polling `pidfd`, which it owns from here on (closed on failure); 0 on failure. */
static int watch_child(napi_env env, int pidfd, napi_value on_exit) {
  uv_loop_t *loop;
  napi_value resource, resource_name;
  struct child_watch *watch = calloc(1, sizeof *watch);
  if (!watch || napi_get_uv_event_loop(env, &loop) != napi_ok ||
      napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "sshd-kit:child", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      uv_poll_init(loop, &watch->poll, pidfd) != 0) {
    free(watch);
    close(pidfd);
    return 0;
  }
  watch->env = env;
  watch->pidfd = pidfd;
  if (napi_create_reference(env, on_exit, 1, &watch->on_exit) != napi_ok ||
      napi_async_init(env, resource, resource_name, &watch->async_context) != napi_ok ||
      napi_add_async_cleanup_hook(env, watch_cleanup, watch, &watch->cleanup) != napi_ok ||
      uv_poll_start(&watch->poll, UV_READABLE, child_readable) != 0) {
    /* The handle is initialised, so libuv must close it before it is freed. */
    if (watch->on_exit) napi_delete_reference(env, watch->on_exit);
    if (watch->async_context) napi_async_destroy(env, watch->async_context);
    uv_close((uv_handle_t *)&watch->poll, watch_closed);
    return 0;
  }
  return 1;
}

/* Watches `pid`'s exit for onExit; 0, or an errno after killing and reaping it (a process that
 * cannot be watched, for want of descriptors or memory, is not left running unseen). */
static int watch_exit(napi_env env, pid_t pid, napi_value on_exit) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0 && watch_child(env, pidfd, on_exit)) return 0;
  int saved = pidfd < 0 ? errno : ENOMEM;
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
  return saved;
}

/* posix_spawn's setup: the child's ends of the pairs on 0, 1, 2 (or, with `tty`, that terminal
 * opened on 0 and duplicated to 1 and 2) and no other descriptor, the directory, the session and
 * the signals. Returns 0 or an errno. */
static int spawn_child(pid_t *pid, const struct command *command, const int child_fds[3], const char *tty) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t all, none;
  int err = posix_spawn_file_actions_init(&actions);
  if (err) return err;
  err = posix_spawnattr_init(&attr);
  if (err) {
    posix_spawn_file_actions_destroy(&actions);
    return err;
  }
  sigfillset(&all);
  sigemptyset(&none);
  if (tty) {
    /* glibc and musl apply setsid before the file actions: opened without O_NOCTTY by a session
     * leader with no terminal, the slave becomes the controlling terminal. */
    err = posix_spawn_file_actions_addopen(&actions, 0, tty, O_RDWR, 0);
    for (int i = 1; i < 3 && !err; i++) err = posix_spawn_file_actions_adddup2(&actions, 0, i);
  } else {
    for (int i = 0; i < 3 && !err; i++) err = posix_spawn_file_actions_adddup2(&actions, child_fds[i], i);
  }
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 34)
  /* Nothing else the server holds (or inherited without close-on-exec from whoever started it). */
  if (!err) err = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
#endif
  if (!err) err = posix_spawn_file_actions_addchdir_np(&actions, command->cwd);
  if (!err) err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  if (!err) err = posix_spawnattr_setsigdefault(&attr, &all);
  if (!err) err = posix_spawnattr_setsigmask(&attr, &none);
  if (!err) err = posix_spawn(pid, command->file, &actions, &attr, command->argv, command->envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return err;
}

static void close_pairs(int pairs[3][2]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++)
      if (pairs[i][j] >= 0) close(pairs[i][j]);
}

/* A number result (a pid, a descriptor or a negative errno). */
static napi_value int_value(napi_env env, int n) {
  napi_value value;
  if (napi_create_int32(env, n, &value) != napi_ok) return throw_error(env, "napi_create_int32 failed");
  return value;
}

/*
 * spawnProcess(file, argv, env, cwd, onExit): starts `file` (an absolute path) with `argv` (at
 * least argv[0]) and exactly the variables `env` ("NAME=value" strings) in directory `cwd`.
 * Returns [pid, stdin, stdout, stderr], the last three the server's ends (close-on-exec unix
 * stream sockets), or -errno when the process cannot be started (ENOENT, EACCES, ...). onExit is
 * called once, on the event loop, with (code, signal) as report_exit says.
 */
static napi_value spawn_process(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_valuetype callback_type;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 5 ||
      napi_typeof(env, args[4], &callback_type) != napi_ok || callback_type != napi_function)
    return throw_error(env, "spawnProcess(file, argv, env, cwd, onExit): bad arguments");
  struct command command;
  napi_value result = NULL;
  int pairs[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
  if (!get_command(env, args, &command, "spawnProcess")) goto done;
  for (int i = 0; i < 3; i++)
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pairs[i]) != 0) {
      result = int_value(env, -errno);
      goto done;
    }
  /* pairs[i][0] is the child's end, pairs[i][1] the server's. */
  int child_fds[3] = {pairs[0][0], pairs[1][0], pairs[2][0]};
  pid_t pid;
  int err = spawn_child(&pid, &command, child_fds, NULL);
  if (err) {
    result = int_value(env, -err);
    goto done;
  }
  for (int i = 0; i < 3; i++) {
    close(pairs[i][0]);
    pairs[i][0] = -1;
  }
  int watch_error = watch_exit(env, pid, args[4]);
  if (watch_error) {
    result = int_value(env, -watch_error);
    goto done;
  }
  napi_value array;
  if (napi_create_array_with_length(env, 4, &array) != napi_ok) {
    result = throw_error(env, "napi_create_array failed");
    goto done;
  }
  int values[4] = {pid, pairs[0][1], pairs[1][1], pairs[2][1]};
  for (int i = 0; i < 4; i++) {
    napi_value element = int_value(env, values[i]);
    if (!element || napi_set_element(env, array, (uint32_t)i, element) != napi_ok) goto done;
  }
  for (int i = 0; i < 3; i++) pairs[i][1] = -1; /* now the caller's */
  result = array;
done:
  close_pairs(pairs);
  free_command(&command);
  return result;
}

/* A new pty's master (non-blocking, close-on-exec), its slave's path in `name`; or -errno. */
static int open_master(char *name, size_t name_size, const struct winsize *size) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -errno;
  int err = grantpt(master) != 0 || unlockpt(master) != 0 ? errno : ptsname_r(master, name, name_size);
  if (!err && fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) != 0) err = errno;
  if (!err) err = -pty_set_size(master, size);
  if (err) {
    close(master);
    return -err;
  }
  return master;
}

/*
 * spawnPty(file, argv, env, cwd, window, onExit, onData, onWritable): starts `file` as
 * spawnProcess does, but on a new pty of `window` ([cols, rows, widthPx, heightPx], RFC 4254
 * §6.2): the slave is its stdin, stdout, stderr and controlling terminal. Returns [pid, pty
 * handle] (see pty-io.c for onData, onWritable and the pty* calls), or -errno when it cannot be
 * started. onExit as spawnProcess.
 */
static napi_value spawn_pty(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_valuetype types[3];
  struct winsize window;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 8 ||
      !pty_get_window(env, args[4], &window) || napi_typeof(env, args[5], &types[0]) != napi_ok ||
      napi_typeof(env, args[6], &types[1]) != napi_ok || napi_typeof(env, args[7], &types[2]) != napi_ok ||
      types[0] != napi_function || types[1] != napi_function || types[2] != napi_function)
    return throw_error(env, "spawnPty(file, argv, env, cwd, window, onExit, onData, onWritable): bad arguments");
  struct command command;
  napi_value result = NULL;
  int master = -1;
  char name[128];
  if (!get_command(env, args, &command, "spawnPty")) goto done;
  master = open_master(name, sizeof name, &window);
  if (master < 0) {
    result = int_value(env, master);
    goto done;
  }
  pid_t pid;
  int err = spawn_child(&pid, &command, NULL, name);
  if (!err) err = watch_exit(env, pid, args[5]);
  if (err) {
    result = int_value(env, -err);
    goto done;
  }
  napi_value handle, array;
  int fd = master;
  master = -1; /* the pty's from here on, closed by it even when wrapping fails */
  struct pty *p = pty_io_wrap(env, fd, args[6], args[7], &handle);
  if (!p) {
    /* The exit watch reports the kill to onExit; the caller sees the failure first. */
    kill(pid, SIGKILL);
    result = int_value(env, -ENOMEM);
    goto done;
  }
  napi_value pid_value = int_value(env, pid);
  if (!pid_value || napi_create_array_with_length(env, 2, &array) != napi_ok ||
      napi_set_element(env, array, 0, pid_value) != napi_ok || napi_set_element(env, array, 1, handle) != napi_ok) {
    pty_io_close(p);
    kill(pid, SIGKILL);
    goto done;
  }
  result = array;
done:
  if (master >= 0) close(master);
  free_command(&command);
  return result;
}

/*
 * Whether this kernel has what the exit watch needs: pidfd_open (Linux 5.3) and waitid on a pidfd
 * (5.4). Asked of our own process, waitid answers ECHILD where it works and EINVAL where it does
 * not.
 */
static int kernel_has_pidfd_waitid(void) {
  int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (pidfd < 0) return 0;
  siginfo_t info;
  int works = waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) < 0 && errno == ECHILD;
  close(pidfd);
  return works;
}

int process_spawn_register(napi_env env, napi_value exports) {
  static const struct addon_function functions[] = {
      {"spawnProcess", spawn_process},
      {"spawnPty", spawn_pty},
  };
  /* On an older kernel the addon has no spawnProcess, and sessions use node:child_process. */
  if (!kernel_has_pidfd_waitid()) return 1;
  return addon_export(env, exports, functions, sizeof functions / sizeof functions[0]);
}

#else

int process_spawn_register(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return 1;
}

#endif
