/*
 * Reading a file on the event loop when its bytes are already in memory.
 *
 * A pipelined SFTP download asks for a file's next bytes long before it needs them, and the file
 * is usually in the page cache. Handing each read to libuv's thread pool costs a wake-up of a
 * pool thread, a wake-up of the event loop and a trip through its callbacks per read; preadv2
 * with RWF_NOWAIT (Linux 4.14) copies what is cached and returns EAGAIN instead of waiting for a
 * disk, so the caller (src/sftp/vfs/local/cached-read.ts) goes to the pool only for what is not.
 */
#define _GNU_SOURCE
#include "addon.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/uio.h>
#ifdef __linux__
#include <linux/magic.h>
#include <sys/vfs.h>
#endif

/* Linux's IOV_MAX: the most buffers one preadv2 takes. */
#define MAX_BUFFERS 1024

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_SSHD_KIT_NATIVE_READ", message);
  return NULL;
}

/* A descriptor argument: a non-negative int32. */
static int get_fd(napi_env env, napi_value value, int32_t *fd) {
  return napi_get_value_int32(env, value, fd) == napi_ok && *fd >= 0;
}

/*
 * readCached(fd, buffers, position): reads into `buffers` (1 to 1024 Uint8Arrays, in order) from
 * byte `position` (a safe non-negative integer), only what the page cache holds. Returns the
 * bytes read (0 at end of file; fewer than asked when the cache holds only the start or the file
 * ends), or -errno: -EAGAIN when the first byte is not cached, -EOPNOTSUPP when the file system
 * cannot read without blocking (tmpfs, for one), anything else as the read failed.
 */
static napi_value read_cached(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  bool is_array;
  uint32_t count;
  double position;
  struct iovec iov[MAX_BUFFERS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 || !get_fd(env, argv[0], &fd))
    return throw_error(env, "readCached(fd, buffers, position): bad descriptor");
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &count) != napi_ok || count == 0 || count > MAX_BUFFERS)
    return throw_error(env, "readCached: buffers must be an array of 1 to 1024 Uint8Arrays");
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    unsigned char *data;
    size_t length;
    if (napi_get_element(env, argv[1], i, &element) != napi_ok || !addon_get_bytes(env, element, &data, &length))
      return throw_error(env, "readCached: buffers must be an array of 1 to 1024 Uint8Arrays");
    iov[i].iov_base = data;
    iov[i].iov_len = length;
  }
  if (napi_get_value_double(env, argv[2], &position) != napi_ok || !(position >= 0) ||
      position > 9007199254740991.0 || floor(position) != position)
    return throw_error(env, "readCached: position must be a safe non-negative integer");
  int64_t result;
#if defined(__linux__) && defined(RWF_NOWAIT)
  ssize_t n;
  do n = preadv2(fd, iov, (int)count, (off_t)position, RWF_NOWAIT);
  while (n < 0 && errno == EINTR);
  result = n >= 0 ? (int64_t)n : -(int64_t)errno;
#else
  (void)fd;
  result = -EOPNOTSUPP;
#endif
  napi_value value;
  if (napi_create_int64(env, result, &value) != napi_ok) return throw_error(env, "napi_create_int64 failed");
  return value;
}

/*
 * inMemoryFileSystem(fd): whether the file lives on a file system kept in memory (tmpfs, ramfs),
 * whose reads wait for no device. False when that cannot be told.
 */
static napi_value in_memory_file_system(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || !get_fd(env, argv[0], &fd))
    return throw_error(env, "inMemoryFileSystem(fd): bad descriptor");
  bool in_memory = false;
#ifdef __linux__
  struct statfs fs;
  in_memory = fstatfs(fd, &fs) == 0 && (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC);
#endif
  napi_value value;
  if (napi_get_boolean(env, in_memory, &value) != napi_ok) return throw_error(env, "napi_get_boolean failed");
  return value;
}

int page_cache_read_register(napi_env env, napi_value exports) {
  static const struct addon_function functions[] = {
      {"readCached", read_cached},
      {"inMemoryFileSystem", in_memory_file_system},
  };
  return addon_export(env, exports, functions, sizeof functions / sizeof functions[0]);
}
