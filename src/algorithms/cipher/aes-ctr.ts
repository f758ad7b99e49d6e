import { createCipheriv, type Cipher } from 'node:crypto';
import type { BlockCipherAlgorithm, BlockCipherStream } from '../types.js';

/**
 * AES in SDCTR mode (RFC 4344 §4): one node Cipheriv per direction for the life of the keys, so
 * the 128-bit big-endian counter carries across packets. Encryption and decryption are the same
 * keystream XOR.
 */
class AesCtrStream implements BlockCipherStream {
  constructor(private readonly cipher: Cipher) {}

  update(data: Uint8Array): Uint8Array {
    return this.cipher.update(data);
  }
}

function aesCtr(name: string, mode: string, keyLength: number): BlockCipherAlgorithm {
  return {
    name,
    kind: 'block',
    keyLength,
    ivLength: 16,
    blockSize: 16,
    create: (_direction, key, iv) =>
      new AesCtrStream(createCipheriv(mode, key.subarray(0, keyLength), iv.subarray(0, 16))),
  };
}

/** aes128-ctr (RFC 4344 §4). */
export const aes128Ctr = aesCtr('aes128-ctr', 'aes-128-ctr', 16);
/** aes192-ctr (RFC 4344 §4). */
export const aes192Ctr = aesCtr('aes192-ctr', 'aes-192-ctr', 24);
/** aes256-ctr (RFC 4344 §4). */
export const aes256Ctr = aesCtr('aes256-ctr', 'aes-256-ctr', 32);
