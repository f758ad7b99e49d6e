import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { BlockCipherAlgorithm, BlockCipherStream, CipherDirection } from '../types.js';

/** What {@link defineOpenSslCbcCipher} needs: the SSH name and node:crypto's name for the same cipher. */
export interface OpenSslCbcSpec {
  /** Wire name, e.g. `aes128-cbc` (RFC 4253 §6.3). */
  readonly name: string;
  /** node:crypto (OpenSSL default provider) cipher name, e.g. `aes-128-cbc`, `des-ede3-cbc`. */
  readonly opensslName: string;
  readonly keyLength: number;
  readonly blockSize: number;
}

/**
 * A CBC-mode SSH cipher (RFC 4253 §6.3) run by OpenSSL through node:crypto. Each direction gets one
 * cipher context for the life of the keys, with padding off, so CBC chaining carries from packet to
 * packet exactly as SSH requires.
 */
export function defineOpenSslCbcCipher(spec: OpenSslCbcSpec): BlockCipherAlgorithm {
  const { name, opensslName, keyLength, blockSize } = spec;
  return {
    kind: 'block',
    name,
    keyLength,
    ivLength: blockSize,
    blockSize,
    create(direction: CipherDirection, key: Uint8Array, iv: Uint8Array): BlockCipherStream {
      if (key.length < keyLength)
        throw new RangeError(`${name} needs a ${keyLength}-byte key, got ${key.length}`);
      if (iv.length < blockSize)
        throw new RangeError(`${name} needs a ${blockSize}-byte IV, got ${iv.length}`);
      const k = key.subarray(0, keyLength);
      const v = iv.subarray(0, blockSize);
      const ctx =
        direction === 'encrypt' ? createCipheriv(opensslName, k, v) : createDecipheriv(opensslName, k, v);
      ctx.setAutoPadding(false);
      return {
        update(data: Uint8Array): Uint8Array {
          if (data.length % blockSize !== 0) {
            throw new RangeError(`${name} input of ${data.length} bytes is not a multiple of ${blockSize}`);
          }
          return ctx.update(data);
        },
      };
    },
  };
}
