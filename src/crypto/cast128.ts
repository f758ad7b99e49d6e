import { CAST128_SBOXES } from './cast128-sboxes.js';

/** CAST-128's block size in bytes (RFC 2144 §2). */
export const CAST128_BLOCK_BYTES = 8;

const [S1, S2, S3, S4, S5, S6, S7, S8] = CAST128_SBOXES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/**
 * The key schedule of RFC 2144 §2.4 as data. It alternates two steps that rebuild the 16-byte
 * working key (x → z, then z → x); after each step four subkeys are read from the bytes just made.
 * A step row is: destination word, source word, the byte indexes fed to S5, S6, S7 and S8 (taken
 * from the source array in the first row, from the destination array in the others, exactly as
 * the RFC writes them), then a fifth S-box (4..7 = S5..S8) and its byte index in the source array.
 */
// prettier-ignore
const Z_FROM_X = Uint8Array.of(
  0, 0, 0xd, 0xf, 0xc, 0xe, 6, 0x8,
  1, 2, 0x0, 0x2, 0x1, 0x3, 7, 0xa,
  2, 3, 0x7, 0x6, 0x5, 0x4, 4, 0x9,
  3, 1, 0xa, 0x9, 0xb, 0x8, 5, 0xb,
);
// prettier-ignore
const X_FROM_Z = Uint8Array.of(
  0, 2, 0x5, 0x7, 0x4, 0x6, 6, 0x0,
  1, 0, 0x0, 0x2, 0x1, 0x3, 7, 0x2,
  2, 1, 0x7, 0x6, 0x5, 0x4, 4, 0x1,
  3, 3, 0xa, 0x9, 0xb, 0x8, 5, 0x3,
);
/**
 * Subkey extraction, four groups (after the 1st, 2nd, 3rd, 4th step of a pass) of four rows: the
 * byte indexes fed to S5, S6, S7, S8, then the index for a fifth S-box (S5..S8 for rows 1..4).
 */
// prettier-ignore
const SUBKEY_INDEXES = Uint8Array.of(
  0x8, 0x9, 0x7, 0x6, 0x2,  0xa, 0xb, 0x5, 0x4, 0x6,  0xc, 0xd, 0x3, 0x2, 0x9,  0xe, 0xf, 0x1, 0x0, 0xc,
  0x3, 0x2, 0xc, 0xd, 0x8,  0x1, 0x0, 0xe, 0xf, 0xd,  0x7, 0x6, 0x8, 0x9, 0x3,  0x5, 0x4, 0xa, 0xb, 0x7,
  0x3, 0x2, 0xc, 0xd, 0x9,  0x1, 0x0, 0xe, 0xf, 0xc,  0x7, 0x6, 0x8, 0x9, 0x2,  0x5, 0x4, 0xa, 0xb, 0x6,
  0x8, 0x9, 0x7, 0x6, 0x3,  0xa, 0xb, 0x5, 0x4, 0x7,  0xc, 0xd, 0x3, 0x2, 0x8,  0xe, 0xf, 0x1, 0x0, 0xd,
);
const KEY_BOXES = [S5, S6, S7, S8] as const;

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

function readWord(bytes: Uint8Array, i: number): number {
  return ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
}

function writeWord(bytes: Uint8Array, i: number, w: number): void {
  bytes[i] = w >>> 24;
  bytes[i + 1] = w >>> 16;
  bytes[i + 2] = w >>> 8;
  bytes[i + 3] = w;
}

/** Byte `i` (0..15, big-endian) of the 16-byte working key held as four words. */
function byteOf(words: number[], i: number): number {
  return (words[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
}

/** One x → z or z → x step of the key schedule (RFC 2144 §2.4). */
function keyStep(dst: number[], src: number[], rows: Uint8Array): void {
  for (let r = 0; r < 32; r += 8) {
    // Rows after the first read bytes of `dst` written by the rows before them: order matters.
    const k = r === 0 ? src : dst;
    dst[rows[r]!] =
      (src[rows[r + 1]!]! ^
        S5[byteOf(k, rows[r + 2]!)]! ^
        S6[byteOf(k, rows[r + 3]!)]! ^
        S7[byteOf(k, rows[r + 4]!)]! ^
        S8[byteOf(k, rows[r + 5]!)]! ^
        KEY_BOXES[rows[r + 6]! - 4]![byteOf(src, rows[r + 7]!)]!) >>>
      0;
  }
}

/** Four subkeys from the working key `k` with group `group` of {@link SUBKEY_INDEXES}, into `out` at `at`. */
function subkeys(k: number[], group: number, out: Uint32Array, at: number): void {
  const ix = SUBKEY_INDEXES;
  for (let i = 0; i < 4; i++) {
    const g = group * 20 + i * 5;
    out[at + i] =
      S5[byteOf(k, ix[g]!)]! ^
      S6[byteOf(k, ix[g + 1]!)]! ^
      S7[byteOf(k, ix[g + 2]!)]! ^
      S8[byteOf(k, ix[g + 3]!)]! ^
      KEY_BOXES[i]![byteOf(k, ix[g + 4]!)]!;
  }
}

/**
 * Expands a 5- to 16-byte key into the 32 subkeys K1..K32 (RFC 2144 §2.4): K1..K16 are the masking
 * keys, K17..K32 give the 5-bit rotation amounts.
 */
function expandKey(key: Uint8Array): Uint32Array {
  const padded = new Uint8Array(16);
  padded.set(key);
  const x = [readWord(padded, 0), readWord(padded, 4), readWord(padded, 8), readWord(padded, 12)];
  padded.fill(0);
  const z = [0, 0, 0, 0];
  const out = new Uint32Array(32);
  for (let at = 0; at < 32; at += 16) {
    keyStep(z, x, Z_FROM_X);
    subkeys(z, 0, out, at);
    keyStep(x, z, X_FROM_Z);
    subkeys(x, 1, out, at + 4);
    keyStep(z, x, Z_FROM_X);
    subkeys(z, 2, out, at + 8);
    keyStep(x, z, X_FROM_Z);
    subkeys(x, 3, out, at + 12);
  }
  x.fill(0);
  z.fill(0);
  return out;
}

/**
 * The CAST-128 block cipher (RFC 2144), also known as CAST5: 64-bit blocks, keys of 5 to 16 bytes
 * (12 rounds for keys up to 80 bits, 16 above). Blocks are transformed in place; build CBC on it.
 */
export class Cast128 {
  /** Block size in bytes. */
  readonly blockSize = CAST128_BLOCK_BYTES;
  private readonly k: Uint32Array;
  private readonly rounds: number;

  /** Keys the cipher; `key` is 5 to 16 bytes (RFC 2144 §2.5: shorter keys are padded with zeros). */
  constructor(key: Uint8Array) {
    if (key.length < 5 || key.length > 16) {
      throw new RangeError(`CAST-128 key must be 5 to 16 bytes, got ${key.length}`);
    }
    // K1..K16 mask, K17..K32 rotate (only their low 5 bits are used).
    this.k = expandKey(key);
    for (let i = 16; i < 32; i++) this.k[i] = this.k[i]! & 31;
    this.rounds = key.length <= 10 ? 12 : 16;
  }

  /** Round function of type 1, 2 or 3 for round `i` (0-based; RFC 2144 §2.2). */
  private f(i: number, d: number): number {
    const km = this.k[i]!;
    const kr = this.k[16 + i]!;
    let t: number;
    switch (i % 3) {
      case 0:
        t = rotl((km + d) >>> 0, kr);
        return (
          ((((S1[t >>> 24]! ^ S2[(t >>> 16) & 0xff]!) - S3[(t >>> 8) & 0xff]!) | 0) + S4[t & 0xff]!) >>> 0
        );
      case 1:
        t = rotl((km ^ d) >>> 0, kr);
        return (
          (((((S1[t >>> 24]! - S2[(t >>> 16) & 0xff]!) | 0) + S3[(t >>> 8) & 0xff]!) | 0) ^ S4[t & 0xff]!) >>>
          0
        );
      default:
        t = rotl((km - d) >>> 0, kr);
        return (
          ((((S1[t >>> 24]! + S2[(t >>> 16) & 0xff]!) ^ S3[(t >>> 8) & 0xff]!) - S4[t & 0xff]!) | 0) >>> 0
        );
    }
  }

  /** Encrypts the 8-byte block at `offset` of `data` in place. */
  encryptBlock(data: Uint8Array, offset = 0): void {
    let l = readWord(data, offset);
    let r = readWord(data, offset + 4);
    for (let i = 0; i < this.rounds; i++) {
      const t = r;
      r = (l ^ this.f(i, r)) >>> 0;
      l = t;
    }
    writeWord(data, offset, r);
    writeWord(data, offset + 4, l);
  }

  /** Decrypts the 8-byte block at `offset` of `data` in place. */
  decryptBlock(data: Uint8Array, offset = 0): void {
    let l = readWord(data, offset);
    let r = readWord(data, offset + 4);
    for (let i = this.rounds - 1; i >= 0; i--) {
      const t = r;
      r = (l ^ this.f(i, r)) >>> 0;
      l = t;
    }
    writeWord(data, offset, r);
    writeWord(data, offset + 4, l);
  }
}
