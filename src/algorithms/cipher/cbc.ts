import type { BlockCipherAlgorithm, BlockCipherStream, CipherDirection } from '../types.js';

/**
 * A keyed block cipher that transforms one block in place (our Blowfish, CAST-128 and Serpent all
 * have this shape).
 */
export interface BlockCipher {
  encryptBlock(data: Uint8Array, offset: number): void;
  decryptBlock(data: Uint8Array, offset: number): void;
}

function checkLength(data: Uint8Array, blockSize: number): void {
  if (data.length % blockSize !== 0) {
    throw new RangeError(
      `CBC input of ${data.length} bytes is not a multiple of the ${blockSize}-byte block`,
    );
  }
}

/**
 * CBC encryption (NIST SP 800-38A §6.2) over a {@link BlockCipher}, chaining across calls: the last
 * ciphertext block of one call is the IV of the next, as SSH needs (RFC 4253 §6.3). Works in place.
 */
export class CbcEncryptStream implements BlockCipherStream {
  private readonly chain: Uint8Array;

  constructor(
    private readonly cipher: BlockCipher,
    private readonly blockSize: number,
    iv: Uint8Array,
  ) {
    if (iv.length !== blockSize) throw new RangeError(`CBC IV must be ${blockSize} bytes, got ${iv.length}`);
    this.chain = Uint8Array.from(iv);
  }

  /** Encrypts whole blocks of `data` in place and returns `data`. */
  update(data: Uint8Array): Uint8Array {
    const bs = this.blockSize;
    checkLength(data, bs);
    const chain = this.chain;
    for (let off = 0; off < data.length; off += bs) {
      for (let i = 0; i < bs; i++) data[off + i] = data[off + i]! ^ chain[i]!;
      this.cipher.encryptBlock(data, off);
      chain.set(data.subarray(off, off + bs));
    }
    return data;
  }
}

/** CBC decryption over a {@link BlockCipher}, chaining across calls. Works in place. */
export class CbcDecryptStream implements BlockCipherStream {
  private readonly chain: Uint8Array;
  private readonly saved: Uint8Array;

  constructor(
    private readonly cipher: BlockCipher,
    private readonly blockSize: number,
    iv: Uint8Array,
  ) {
    if (iv.length !== blockSize) throw new RangeError(`CBC IV must be ${blockSize} bytes, got ${iv.length}`);
    this.chain = Uint8Array.from(iv);
    this.saved = new Uint8Array(blockSize);
  }

  /** Decrypts whole blocks of `data` in place and returns `data`. */
  update(data: Uint8Array): Uint8Array {
    const bs = this.blockSize;
    checkLength(data, bs);
    const { chain, saved } = this;
    for (let off = 0; off < data.length; off += bs) {
      saved.set(data.subarray(off, off + bs));
      this.cipher.decryptBlock(data, off);
      for (let i = 0; i < bs; i++) data[off + i] = data[off + i]! ^ chain[i]!;
      chain.set(saved);
    }
    return data;
  }
}

/** What {@link defineCbcCipher} needs to know about a block cipher. */
export interface CbcCipherSpec {
  /** Wire name, e.g. `cast128-cbc` (RFC 4253 §6.3). */
  readonly name: string;
  readonly keyLength: number;
  /** Block size in bytes; also the IV length and the padding alignment. */
  readonly blockSize: number;
  /** Keys the block cipher with exactly `keyLength` bytes. */
  createCipher(key: Uint8Array): BlockCipher;
}

/** A CBC-mode SSH cipher (RFC 4253 §6.3) around a block cipher written in TypeScript. */
export function defineCbcCipher(spec: CbcCipherSpec): BlockCipherAlgorithm {
  const { name, keyLength, blockSize } = spec;
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
      const cipher = spec.createCipher(key.subarray(0, keyLength));
      const ivBlock = iv.subarray(0, blockSize);
      return direction === 'encrypt'
        ? new CbcEncryptStream(cipher, blockSize, ivBlock)
        : new CbcDecryptStream(cipher, blockSize, ivBlock);
    },
  };
}
