import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';

/**
 * One-shot Poly1305 MAC (RFC 8439 §2.5) of `message` under the 32-byte one-time `key`.
 * Node 20's OpenSSL does not expose Poly1305 on its own, so this wraps `@noble/ciphers`.
 */
export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  return noblePoly1305(message, key);
}
