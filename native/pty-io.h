/* A session pty's master on the event loop (pty-io.c), for the process starts (process-spawn.c). */
#ifndef SSHD_KIT_PTY_IO_H
#define SSHD_KIT_PTY_IO_H

#include "addon.h"
#include <stdint.h>

/*
 * Takes `master` (non-blocking, close-on-exec) and starts reading it: onData(Buffer) for output,
 * onData(null) once at its end; onWritable() after ptyWaitWritable. Sets `*handle` to the
 * JavaScript handle the pty* functions take. The master is closed on failure (NULL).
 */
struct pty *pty_io_wrap(napi_env env, int master, napi_value on_data, napi_value on_writable, napi_value *handle);

/* Closes a pty that pty_io_wrap made (its master once libuv lets go). */
void pty_io_close(struct pty *p);

/* Sets the window size (TIOCSWINSZ) of the pty whose master is `master`; 0 or -errno. */
int pty_set_size(int master, uint32_t cols, uint32_t rows);

#endif
