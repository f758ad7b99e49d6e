/*
 * The parts of sshd-kit's native addon (build/Release/sshd_kit_native.node): each source file
 * registers its functions on the module's exports, and shares these helpers.
 */
#ifndef SSHD_KIT_ADDON_H
#define SSHD_KIT_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>

/* One exported function. */
struct addon_function {
  const char *name;
  napi_callback fn;
};

/* Sets each of `functions` on `exports`; returns 0 (with a JavaScript error pending) on failure. */
int addon_export(napi_env env, napi_value exports, const struct addon_function *functions, size_t count);

/* The bytes of a Uint8Array (or Buffer) argument; 0 when `value` is anything else. */
int addon_get_bytes(napi_env env, napi_value value, unsigned char **data, size_t *length);

/* The packet ciphers and MACs (packet-crypto.c). */
int packet_crypto_register(napi_env env, napi_value exports);

/* Reads from the page cache without blocking (page-cache-read.c). */
int page_cache_read_register(napi_env env, napi_value exports);

/* Starts session processes with posix_spawn and watches their exit (process-spawn.c). */
int process_spawn_register(napi_env env, napi_value exports);

/* A session pty's master on the event loop (pty-io.c). */
int pty_io_register(napi_env env, napi_value exports);

#endif
