import { createCipheriv, type Cipher } from 'node:crypto';
import type { BlockCipherAlgorithm, BlockCipherStream, CipherDirection, GatheredBytes } from '../types.js';
import { nativePacketCrypto, type NativeCipherHandle, type NativePacketCrypto } from './native.js';

/**
 * AES in SDCTR mode (RFC 4344 §4): one node Cipheriv per direction for the life of the keys, so
 * the 128-bit big-endian counter carries across packets. Encryption and decryption are the same
 * keystream XOR. This one is on node:crypto, which allocates (and zero-fills) each output.
 */
class AesCtrStream implements BlockCipherStream {
  constructor(private readonly cipher: Cipher) {}

  update(data: Uint8Array): Uint8Array {
    return this.cipher.update(data);
  }
}

/**
 * AES-CTR on the native module: one OpenSSL context per direction as well, and no allocation when
 * decrypting (incoming bytes are decrypted over themselves; the contract allows reusing `data`).
 * Encryption writes to a new buffer: the framer reuses its plaintext buffer for the next packet.
 */
class NativeAesCtrStream implements BlockCipherStream {
  private readonly handle: NativeCipherHandle;

  constructor(
    private readonly native: NativePacketCrypto,
    private readonly inPlace: boolean,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    this.handle = native.createCtr(key, iv);
  }

  update(data: Uint8Array): Uint8Array {
    const out = this.inPlace ? data : Buffer.allocUnsafe(data.length);
    this.updateInto(data, out);
    return out;
  }

  updateInto(data: GatheredBytes, out: Uint8Array): void {
    this.native.ctrUpdate(this.handle, data, out);
  }
}

/** An AES-CTR algorithm record: on the native module when it is given, else on node:crypto. */
export function createAesCtr(
  name: string,
  mode: string,
  keyLength: number,
  native: NativePacketCrypto | undefined,
): BlockCipherAlgorithm {
  return {
    name,
    kind: 'block',
    keyLength,
    ivLength: 16,
    blockSize: 16,
    create: (direction: CipherDirection, key, iv) =>
      native
        ? new NativeAesCtrStream(
            native,
            direction === 'decrypt',
            key.subarray(0, keyLength),
            iv.subarray(0, 16),
          )
        : new AesCtrStream(createCipheriv(mode, key.subarray(0, keyLength), iv.subarray(0, 16))),
  };
}

/** aes128-ctr (RFC 4344 §4). */
export const aes128Ctr = createAesCtr('aes128-ctr', 'aes-128-ctr', 16, nativePacketCrypto);
/** aes192-ctr (RFC 4344 §4). */
export const aes192Ctr = createAesCtr('aes192-ctr', 'aes-192-ctr', 24, nativePacketCrypto);
/** aes256-ctr (RFC 4344 §4). */
export const aes256Ctr = createAesCtr('aes256-ctr', 'aes-256-ctr', 32, nativePacketCrypto);
