/**
 * The ChaCha20 block function (RFC 8439 §2.3) for one 64-byte block, with the original 64-bit
 * block counter and 64-bit nonce (D. J. Bernstein's ChaCha, which OpenSSH's
 * chacha20-poly1305@openssh.com uses). chacha20-poly1305 needs a single block per key and packet
 * for the 4-byte length and for the Poly1305 key; computing it here costs a fraction of a node
 * `chacha20` cipher object made for 64 bytes. Bulk keystream stays with OpenSSL.
 *
 * Checked against RFC 8439 §2.3.2 and §A.1, and against node's `chacha20` in the tests.
 */

/** "expand 32-byte k" as four little-endian words (RFC 8439 §2.3). */
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

/** ChaCha20 under one 256-bit key, one block at a time. */
export class ChaCha20Block {
  private readonly key = new Int32Array(8);
  private readonly words = new Int32Array(16);

  /** `key`: 32 bytes (RFC 8439 §2.3). */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`ChaCha20 needs a 32-byte key, got ${key.length}`);
    const view = new DataView(key.buffer, key.byteOffset, 32);
    for (let i = 0; i < 8; i++) this.key[i] = view.getInt32(4 * i, true);
  }

  /**
   * Writes the first `out.length` (at most 64) bytes of keystream block `counter` (state word 12;
   * word 13, the counter's high half, is 0) with state words 14 and 15 holding the nonce: the
   * little-endian readings of its two 4-byte halves, as ChaCha loads them.
   */
  keystream(counter: number, nonceWord14: number, nonceWord15: number, out: Uint8Array): void {
    if (out.length > 64) throw new RangeError('a ChaCha20 block is 64 bytes');
    const k = this.key;
    // prettier-ignore
    const s4 = k[0]!, s5 = k[1]!, s6 = k[2]!, s7 = k[3]!, s8 = k[4]!, s9 = k[5]!, s10 = k[6]!, s11 = k[7]!;
    const s12 = counter | 0;
    const s14 = nonceWord14 | 0;
    const s15 = nonceWord15 | 0;
    // prettier-ignore
    let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3, x4 = s4, x5 = s5, x6 = s6, x7 = s7;
    // prettier-ignore
    let x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = 0, x14 = s14, x15 = s15;
    // Ten double rounds, one quarter round (§2.1) per four lines.
    // prettier-ignore
    for (let round = 0; round < 10; round++) {
      // Column rounds (§2.3: QUARTERROUND(0,4,8,12) ... (3,7,11,15)).
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
      // Diagonal rounds (QUARTERROUND(0,5,10,15) ... (3,4,9,14)).
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
    }
    // §2.3: add the input state to the result, then serialize little-endian.
    const w = this.words;
    // prettier-ignore
    w[0] = x0 + SIGMA0;
    w[1] = x1 + SIGMA1;
    w[2] = x2 + SIGMA2;
    w[3] = x3 + SIGMA3;
    w[4] = x4 + s4;
    w[5] = x5 + s5;
    w[6] = x6 + s6;
    w[7] = x7 + s7;
    w[8] = x8 + s8;
    w[9] = x9 + s9;
    w[10] = x10 + s10;
    w[11] = x11 + s11;
    w[12] = x12 + s12;
    w[13] = x13;
    w[14] = x14 + s14;
    w[15] = x15 + s15;
    for (let i = 0; i < out.length; i++) out[i] = (w[i >>> 2]! >>> ((i & 3) << 3)) & 0xff;
  }
}
