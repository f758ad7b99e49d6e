/*
 * A session pty's master side on the event loop: its output read until the kernel says there is
 * no more, input written without blocking, the window size, and closing.
 *
 * libuv's streams cannot read a pty master to its end: they take a hang-up after a short read as
 * the end of the stream (and a pty read is nearly always short), so output still queued when the
 * last slave descriptor closes is lost. Here the master is polled and read directly: output ends
 * only when read() says so, with EIO (every slave descriptor closed and everything read), or,
 * once the session's process has exited, with EAGAIN. On Linux a master read that finds nothing
 * first flushes the tty's pending input work (n_tty_read calls tty_buffer_flush_work), so EAGAIN
 * after the exit means everything the process wrote has been read; a background job still
 * holding the slave does not keep the session open.
 */
#define _GNU_SOURCE
#include "addon.h"
#include "pty-io.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <uv.h>

#ifdef __linux__

/* Tags the externals this file makes, so a handle from elsewhere is refused. */
static const napi_type_tag PTY_TAG = {0x2b6f0d93c1e84a57ULL, 0x8c41d7e2a95f3b06ULL};

/*
 * Output handed to onData at once: a pty read returns at most what the line discipline holds (4
 * KiB), so reads are gathered until the master is empty or this is full (one channel write, not
 * one per read). At most CHUNKS_PER_WAKE per poll wake-up; then other work runs.
 */
#define CHUNK_BYTES 65536
#define CHUNKS_PER_WAKE 4
/* A wake-up's first read, on the stack: one pty read returns at most this much. */
#define FIRST_READ_BYTES 4096

/* One pty master: polled for output (unless paused) and, when asked, for room to write. */
struct pty {
  uv_poll_t poll;
  /* Runs a read pass soon after the process exit, when no poll event would (nothing to read). */
  uv_timer_t drain;
  napi_env env;
  int master;
  napi_ref on_data, on_writable;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup;
  int paused, want_write, exited, ended, closed;
  /* libuv handles still open (poll and timer); the struct is freed when both have closed. */
  int open_handles;
};

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_SSHD_KIT_NATIVE_PTY", message);
  return NULL;
}

static void handle_closed(uv_handle_t *handle) {
  struct pty *p = (struct pty *)handle->data;
  if (--p->open_handles > 0) return;
  close(p->master);
  napi_async_cleanup_hook_handle cleanup = p->cleanup;
  free(p);
  if (cleanup) napi_remove_async_cleanup_hook(cleanup);
}

/* Stops everything and closes the master once libuv has let go (idempotent). */
static void close_pty(struct pty *p) {
  if (p->closed) return;
  p->closed = 1;
  if (p->on_data) napi_delete_reference(p->env, p->on_data);
  if (p->on_writable) napi_delete_reference(p->env, p->on_writable);
  if (p->async_context) napi_async_destroy(p->env, p->async_context);
  uv_close((uv_handle_t *)&p->poll, handle_closed);
  uv_close((uv_handle_t *)&p->drain, handle_closed);
}

void pty_io_close(struct pty *p) { close_pty(p); }

/* The environment is going away (a worker ending) with the pty still open. */
static void pty_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  close_pty(arg);
}

/* Calls `ref`'s function with `argc` arguments on the event loop, reporting what it throws. */
static void call_js(struct pty *p, napi_ref ref, size_t argc, napi_value *argv) {
  napi_value callback, receiver;
  if (napi_get_reference_value(p->env, ref, &callback) != napi_ok || !callback ||
      napi_get_global(p->env, &receiver) != napi_ok)
    return;
  if (napi_make_callback(p->env, p->async_context, receiver, callback, argc, argv, NULL) == napi_pending_exception) {
    napi_value error;
    if (napi_get_and_clear_last_exception(p->env, &error) == napi_ok) napi_fatal_exception(p->env, error);
  }
}

static void poll_ready(uv_poll_t *poll, int status, int events);

/* Polls for what is wanted: output unless paused or ended, room to write when asked. */
static void update_poll(struct pty *p) {
  if (p->closed) return;
  int events = (!p->paused && !p->ended ? UV_READABLE : 0) | (p->want_write ? UV_WRITABLE : 0);
  if (events) uv_poll_start(&p->poll, events, poll_ready);
  else uv_poll_stop(&p->poll);
}

/* onData(null): the output has ended. */
static void end_output(struct pty *p) {
  if (p->ended || p->closed) return;
  p->ended = 1;
  update_poll(p);
  napi_handle_scope scope;
  if (napi_open_handle_scope(p->env, &scope) != napi_ok) return;
  napi_value null_value;
  if (napi_get_null(p->env, &null_value) == napi_ok) call_js(p, p->on_data, 1, &null_value);
  napi_close_handle_scope(p->env, scope);
}

/* What a read of the master found after the bytes it gathered. */
enum read_stop { STOP_FULL, STOP_EMPTY, STOP_END };

/* Reads on into buf[*filled, capacity) until it is full or the master is empty or at its end. */
static enum read_stop gather(struct pty *p, unsigned char *buf, size_t capacity, size_t *filled) {
  while (*filled < capacity) {
    ssize_t n = read(p->master, buf + *filled, capacity - *filled);
    if (n > 0) {
      *filled += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    /* Empty. After the exit that is the end: the read flushed the tty's pending input first. */
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return p->exited ? STOP_END : STOP_EMPTY;
    return STOP_END; /* EIO (every slave closed, all read), end of file, or an error */
  }
  return STOP_FULL;
}

/*
 * Reads what the master holds and hands it to onData, until it is empty, paused or ended. A
 * wake-up's first read goes to the stack (an echo or a prompt fits, as does any single pty read);
 * only when that fills does the gathering move to a CHUNK_BYTES buffer on the heap (onData runs
 * JavaScript, whose stack a frame that large would shorten), so typing costs no allocation.
 */
static void read_pass(struct pty *p) {
  unsigned char small[FIRST_READ_BYTES];
  unsigned char *buf = small;
  size_t capacity = sizeof small;
  for (int i = 0; i < CHUNKS_PER_WAKE && !p->paused && !p->ended && !p->closed; i++) {
    size_t filled = 0;
    enum read_stop stop = gather(p, buf, capacity, &filled);
    if (stop == STOP_FULL && buf == small) {
      unsigned char *chunk = malloc(CHUNK_BYTES);
      if (chunk) {
        memcpy(chunk, small, filled);
        buf = chunk;
        capacity = CHUNK_BYTES;
        stop = gather(p, buf, capacity, &filled);
      }
    }
    if (filled > 0) {
      napi_handle_scope scope;
      napi_value buffer;
      if (napi_open_handle_scope(p->env, &scope) != napi_ok) break;
      if (napi_create_buffer_copy(p->env, filled, buf, NULL, &buffer) == napi_ok)
        call_js(p, p->on_data, 1, &buffer);
      napi_close_handle_scope(p->env, scope);
    }
    if (stop == STOP_END) end_output(p);
    if (stop != STOP_FULL) break;
  }
  if (buf != small) free(buf);
}

static void poll_ready(uv_poll_t *poll, int status, int events) {
  struct pty *p = (struct pty *)poll->data;
  if (status < 0) {
    end_output(p);
    return;
  }
  if (events & UV_WRITABLE && p->want_write) {
    p->want_write = 0;
    update_poll(p);
    napi_handle_scope scope;
    if (napi_open_handle_scope(p->env, &scope) == napi_ok) {
      call_js(p, p->on_writable, 0, NULL);
      napi_close_handle_scope(p->env, scope);
    }
  }
  if (events & (UV_READABLE | UV_DISCONNECT)) read_pass(p);
}

static void drain_due(uv_timer_t *timer) { read_pass((struct pty *)timer->data); }

/* After the exit, a read pass even if nothing is readable: EAGAIN then ends the output. */
static void schedule_drain(struct pty *p) {
  if (p->exited && !p->paused && !p->ended && !p->closed) uv_timer_start(&p->drain, drain_due, 0, 0);
}

struct pty *pty_io_wrap(napi_env env, int master, napi_value on_data, napi_value on_writable, napi_value *handle) {
  uv_loop_t *loop;
  napi_value resource, resource_name, external;
  struct pty *p = calloc(1, sizeof *p);
  if (!p || napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "sshd-kit:pty", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      uv_poll_init(loop, &p->poll, master) != 0) {
    free(p);
    close(master);
    return NULL;
  }
  p->env = env;
  p->master = master;
  p->poll.data = p;
  p->drain.data = p;
  p->open_handles = 2;
  uv_timer_init(loop, &p->drain);
  if (napi_create_reference(env, on_data, 1, &p->on_data) != napi_ok ||
      napi_create_reference(env, on_writable, 1, &p->on_writable) != napi_ok ||
      napi_async_init(env, resource, resource_name, &p->async_context) != napi_ok ||
      napi_add_async_cleanup_hook(env, pty_cleanup, p, &p->cleanup) != napi_ok ||
      napi_create_external(env, p, NULL, NULL, &external) != napi_ok ||
      napi_type_tag_object(env, external, &PTY_TAG) != napi_ok) {
    if (p->cleanup) {
      napi_remove_async_cleanup_hook(p->cleanup);
      p->cleanup = NULL;
    }
    close_pty(p);
    return NULL;
  }
  update_poll(p);
  *handle = external;
  return p;
}

/* The open pty a call's first argument names; NULL (a JavaScript error pending) otherwise. */
static struct pty *get_pty(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  bool tagged = false;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected ||
      napi_check_object_type_tag(env, argv[0], &PTY_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[0], &data) != napi_ok || !data) {
    throw_error(env, "not a pty handle, or bad arguments");
    return NULL;
  }
  struct pty *p = data;
  if (p->closed) {
    throw_error(env, "the pty is closed");
    return NULL;
  }
  return p;
}

static napi_value int_value(napi_env env, int n) {
  napi_value value;
  return napi_create_int32(env, n, &value) == napi_ok ? value : NULL;
}

/* ptyWrite(handle, bytes): writes what the master takes now; the count, or -errno (-EAGAIN: full). */
static napi_value pty_write(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  unsigned char *bytes;
  size_t length;
  struct pty *p = get_pty(env, info, 2, argv);
  if (!p) return NULL;
  if (!addon_get_bytes(env, argv[1], &bytes, &length)) return throw_error(env, "ptyWrite(handle, bytes)");
  ssize_t n;
  do n = write(p->master, bytes, length > INT32_MAX ? INT32_MAX : length);
  while (n < 0 && errno == EINTR);
  return int_value(env, n >= 0 ? (int)n : -errno);
}

/* ptyWaitWritable(handle): onWritable() once the master takes more input. */
static napi_value pty_wait_writable(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct pty *p = get_pty(env, info, 1, argv);
  if (!p) return NULL;
  p->want_write = 1;
  update_poll(p);
  return NULL;
}

/* ptyPause(handle, paused): stops or resumes reading output (the channel is full, or has room). */
static napi_value pty_pause(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool paused;
  struct pty *p = get_pty(env, info, 2, argv);
  if (!p) return NULL;
  if (napi_get_value_bool(env, argv[1], &paused) != napi_ok) return throw_error(env, "ptyPause(handle, paused)");
  p->paused = paused;
  update_poll(p);
  schedule_drain(p);
  return NULL;
}

/* ptyExited(handle): the process has exited; the output ends once the master has nothing more. */
static napi_value pty_exited(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct pty *p = get_pty(env, info, 1, argv);
  if (!p) return NULL;
  p->exited = 1;
  schedule_drain(p);
  return NULL;
}

/* ptyResize(handle, [cols, rows, widthPx, heightPx]): the window size (RFC 4254 §6.7); 0 or -errno. */
static napi_value pty_resize(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct winsize size;
  struct pty *p = get_pty(env, info, 2, argv);
  if (!p) return NULL;
  if (!pty_get_window(env, argv[1], &size)) return throw_error(env, "ptyResize(handle, [cols, rows, widthPx, heightPx])");
  return int_value(env, pty_set_size(p->master, &size));
}

/* ptyClose(handle): stops reading and writing and closes the master (the slave side hangs up). */
static napi_value pty_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct pty *p = get_pty(env, info, 1, argv);
  if (p) close_pty(p);
  return NULL;
}

int pty_get_window(napi_env env, napi_value value, struct winsize *size) {
  bool is_array;
  uint32_t length, n[4];
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, value, &length) != napi_ok || length != 4)
    return 0;
  for (uint32_t i = 0; i < 4; i++) {
    napi_value element;
    if (napi_get_element(env, value, i, &element) != napi_ok || napi_get_value_uint32(env, element, &n[i]) != napi_ok)
      return 0;
    if (n[i] > 0xffff) n[i] = 0xffff;
  }
  size->ws_col = (unsigned short)n[0];
  size->ws_row = (unsigned short)n[1];
  size->ws_xpixel = (unsigned short)n[2];
  size->ws_ypixel = (unsigned short)n[3];
  return 1;
}

int pty_set_size(int master, const struct winsize *size) {
  return ioctl(master, TIOCSWINSZ, size) == 0 ? 0 : -errno;
}

int pty_io_register(napi_env env, napi_value exports) {
  static const struct addon_function functions[] = {
      {"ptyWrite", pty_write},   {"ptyWaitWritable", pty_wait_writable},
      {"ptyPause", pty_pause},   {"ptyExited", pty_exited},
      {"ptyResize", pty_resize}, {"ptyClose", pty_close},
  };
  return addon_export(env, exports, functions, sizeof functions / sizeof functions[0]);
}

#else

int pty_io_register(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return 1;
}

#endif
