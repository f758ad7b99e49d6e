/* A session pty's master on the event loop (pty-io.c), for the process starts (process-spawn.c). */
#ifndef SSHD_KIT_PTY_IO_H
#define SSHD_KIT_PTY_IO_H

#include "addon.h"
#include <stdint.h>
#include <sys/ioctl.h>

/*
 * Takes `master` (non-blocking, close-on-exec) and starts reading it: onData(Buffer) for output,
 * onData(null) once at its end; onWritable() after ptyWaitWritable. Sets `*handle` to the
 * JavaScript handle the pty* functions take. The master is closed on failure (NULL).
 */
struct pty *pty_io_wrap(napi_env env, int master, napi_value on_data, napi_value on_writable, napi_value *handle);

/* Closes a pty that pty_io_wrap made (its master once libuv lets go). */
void pty_io_close(struct pty *p);

/*
 * A window size from [cols, rows, widthPx, heightPx] (RFC 4254 §6.2: characters, then pixels;
 * each clamped to 65535); 0 when `value` is not such an array.
 */
int pty_get_window(napi_env env, napi_value value, struct winsize *size);

/* Sets the window size (TIOCSWINSZ) of the pty whose master is `master`; 0 or -errno. */
int pty_set_size(int master, const struct winsize *size);

#endif
