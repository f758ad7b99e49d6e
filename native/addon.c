/* The native addon's entry point: one module, its functions registered by each part. */
#include "addon.h"

int addon_export(napi_env env, napi_value exports, const struct addon_function *functions, size_t count) {
  for (size_t i = 0; i < count; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) {
      napi_throw_error(env, "ERR_SSHD_KIT_NATIVE", "cannot register the native addon's functions");
      return 0;
    }
  }
  return 1;
}

int addon_get_bytes(napi_env env, napi_value value, unsigned char **data, size_t *length) {
  bool is_typed;
  napi_typedarray_type type;
  void *base;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, value, &type, length, &base, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (unsigned char *)base;
  return 1;
}

NAPI_MODULE_INIT() {
  if (!packet_crypto_register(env, exports) || !page_cache_read_register(env, exports) ||
      !process_spawn_register(env, exports) || !pty_io_register(env, exports))
    return NULL;
  return exports;
}
