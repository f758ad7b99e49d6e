import { SERPENT_INVERSE_SBOXES, SERPENT_SBOXES } from './serpent-sboxes.js';

/** Serpent's block size in bytes. */
export const SERPENT_BLOCK_BYTES = 16;

/** The key schedule constant φ: the fractional part of the golden ratio (Serpent proposal §2.2). */
const PHI = 0x9e3779b9;
const ROUNDS = 32;

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

function readLe(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function writeLe(b: Uint8Array, i: number, w: number): void {
  b[i] = w;
  b[i + 1] = w >>> 8;
  b[i + 2] = w >>> 16;
  b[i + 3] = w >>> 24;
}

/** The linear transformation LT of the bitslice description (Serpent proposal §2.3), in place. */
function linear(st: Uint32Array): void {
  let x0 = rotl(st[0]!, 13);
  let x2 = rotl(st[2]!, 3);
  let x1 = st[1]! ^ x0 ^ x2;
  let x3 = st[3]! ^ x2 ^ (x0 << 3);
  x1 = rotl(x1, 1);
  x3 = rotl(x3, 7);
  x0 ^= x1 ^ x3;
  x2 ^= x3 ^ (x1 << 7);
  st[0] = rotl(x0, 5);
  st[1] = x1;
  st[2] = rotl(x2, 22);
  st[3] = x3;
}

/** The inverse of {@link linear}, in place. */
function linearInverse(st: Uint32Array): void {
  let x0 = rotr(st[0]!, 5);
  let x2 = rotr(st[2]!, 22);
  const x1 = st[1]!;
  const x3 = st[3]!;
  x2 ^= x3 ^ (x1 << 7);
  x0 ^= x1 ^ x3;
  const y3 = rotr(x3, 7) ^ x2 ^ (x0 << 3);
  const y1 = rotr(x1, 1) ^ x0 ^ x2;
  st[0] = rotr(x0, 13);
  st[1] = y1;
  st[2] = rotr(x2, 3);
  st[3] = y3;
}

/**
 * The Serpent block cipher in its standard (bitslice) form, as submitted to the AES process and as
 * NESSIE, Nettle and libgcrypt implement it: 128-bit blocks, keys of up to 32 bytes. Block and key
 * bytes are read as little-endian 32-bit words (byte 0 is the least significant byte of word 0),
 * which is the byte order of the NESSIE test vectors; the submission's own `ecb_*.txt` files print
 * the same values byte-reversed. SSH's `serpent256-cbc` uses this cipher with a 32-byte key.
 */
export class Serpent {
  /** Block size in bytes. */
  readonly blockSize = SERPENT_BLOCK_BYTES;
  /** Round keys K0..K32, four words each. */
  private readonly k = new Uint32Array(4 * (ROUNDS + 1));
  private readonly st = new Uint32Array(4);

  /**
   * Keys the cipher with 1 to 32 bytes. Keys shorter than 256 bits are padded with a single 1 bit
   * and zeros (Serpent proposal §2.2).
   */
  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 32)
      throw new RangeError(`Serpent key must be 1 to 32 bytes, got ${key.length}`);
    const padded = new Uint8Array(32);
    padded.set(key);
    if (key.length < 32) padded[key.length] = 1;
    // w[0..7] are the key words w-8..w-1 of the proposal; w[8..139] the prekeys w0..w131.
    const w = new Uint32Array(8 + 4 * (ROUNDS + 1));
    for (let i = 0; i < 8; i++) w[i] = readLe(padded, 4 * i);
    padded.fill(0);
    for (let i = 8; i < w.length; i++) {
      w[i] = rotl(w[i - 8]! ^ w[i - 5]! ^ w[i - 3]! ^ w[i - 1]! ^ PHI ^ (i - 8), 11);
    }
    const st = this.st;
    for (let r = 0; r <= ROUNDS; r++) {
      for (let j = 0; j < 4; j++) st[j] = w[8 + 4 * r + j]!;
      SERPENT_SBOXES[(3 - r) & 7]!(st);
      this.k.set(st, 4 * r);
    }
    w.fill(0);
    st.fill(0);
  }

  private addKey(r: number): void {
    const st = this.st;
    const k = this.k;
    const o = 4 * r;
    st[0] = st[0]! ^ k[o]!;
    st[1] = st[1]! ^ k[o + 1]!;
    st[2] = st[2]! ^ k[o + 2]!;
    st[3] = st[3]! ^ k[o + 3]!;
  }

  private load(data: Uint8Array, offset: number): void {
    if (offset < 0 || offset + 16 > data.length) throw new RangeError('Serpent block out of range');
    for (let j = 0; j < 4; j++) this.st[j] = readLe(data, offset + 4 * j);
  }

  private store(data: Uint8Array, offset: number): void {
    for (let j = 0; j < 4; j++) writeLe(data, offset + 4 * j, this.st[j]!);
  }

  /** Encrypts the 16-byte block at `offset` of `data` in place. */
  encryptBlock(data: Uint8Array, offset = 0): void {
    this.load(data, offset);
    const st = this.st;
    for (let r = 0; r < ROUNDS - 1; r++) {
      this.addKey(r);
      SERPENT_SBOXES[r & 7]!(st);
      linear(st);
    }
    this.addKey(ROUNDS - 1);
    SERPENT_SBOXES[(ROUNDS - 1) & 7]!(st);
    this.addKey(ROUNDS);
    this.store(data, offset);
  }

  /** Decrypts the 16-byte block at `offset` of `data` in place. */
  decryptBlock(data: Uint8Array, offset = 0): void {
    this.load(data, offset);
    const st = this.st;
    this.addKey(ROUNDS);
    SERPENT_INVERSE_SBOXES[(ROUNDS - 1) & 7]!(st);
    this.addKey(ROUNDS - 1);
    for (let r = ROUNDS - 2; r >= 0; r--) {
      linearInverse(st);
      SERPENT_INVERSE_SBOXES[r & 7]!(st);
      this.addKey(r);
    }
    this.store(data, offset);
  }
}
