/**
 * The ChaCha20 block function (RFC 8439 §2.3) for one 64-byte block, with the original 64-bit
 * block counter and 64-bit nonce (D. J. Bernstein's ChaCha, which OpenSSH's
 * chacha20-poly1305@openssh.com uses). chacha20-poly1305 needs a single block per key and packet
 * for the 4-byte length and for the Poly1305 key; computing it here costs a fraction of a node
 * `chacha20` cipher object made for 64 bytes. Bulk keystream stays with OpenSSL.
 *
 * Checked in the tests against RFC 8439 §A.1, @noble/ciphers (the original ChaCha20) and OpenSSL.
 */

/** "expand 32-byte k" as four little-endian words (RFC 8439 §2.3). */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

/**
 * The state words each quarter round (§2.1) works on: four column rounds, then four diagonal
 * rounds (§2.3). Ten passes over the table are the 20 rounds.
 */
// prettier-ignore
const QUARTER_ROUNDS = new Uint8Array([
  0, 4, 8, 12,  1, 5, 9, 13,  2, 6, 10, 14,  3, 7, 11, 15,
  0, 5, 10, 15,  1, 6, 11, 12,  2, 7, 8, 13,  3, 4, 9, 14,
]);

/** ChaCha20 under one 256-bit key, one block at a time. */
export class ChaCha20Block {
  /** The input state: constants, key, then the counter and nonce of the last call. */
  private readonly input = new Int32Array(16);
  private readonly state = new Int32Array(16);

  /** `key`: 32 bytes (RFC 8439 §2.3). */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`ChaCha20 needs a 32-byte key, got ${key.length}`);
    this.input.set(SIGMA);
    const view = new DataView(key.buffer, key.byteOffset, 32);
    for (let i = 0; i < 8; i++) this.input[4 + i] = view.getInt32(4 * i, true);
  }

  /**
   * Writes the first `out.length` (at most 64) bytes of keystream block `counter` (state word 12;
   * word 13, the counter's high half, is 0) with state words 14 and 15 holding the nonce: the
   * little-endian readings of its two 4-byte halves, as ChaCha loads them.
   */
  keystream(counter: number, nonceWord14: number, nonceWord15: number, out: Uint8Array): void {
    if (out.length > 64) throw new RangeError('a ChaCha20 block is 64 bytes');
    const input = this.input;
    input[12] = counter;
    input[13] = 0;
    input[14] = nonceWord14;
    input[15] = nonceWord15;
    const x = this.state;
    x.set(input);
    for (let round = 0; round < 10; round++) {
      for (let q = 0; q < 32; q += 4) {
        const a = QUARTER_ROUNDS[q]!;
        const b = QUARTER_ROUNDS[q + 1]!;
        const c = QUARTER_ROUNDS[q + 2]!;
        const d = QUARTER_ROUNDS[q + 3]!;
        x[a]! += x[b]!;
        x[d] = rotl(x[d]! ^ x[a]!, 16);
        x[c]! += x[d]!;
        x[b] = rotl(x[b]! ^ x[c]!, 12);
        x[a]! += x[b]!;
        x[d] = rotl(x[d]! ^ x[a]!, 8);
        x[c]! += x[d]!;
        x[b] = rotl(x[b]! ^ x[c]!, 7);
      }
    }
    // §2.3: add the input state to the result, then serialize little-endian.
    for (let i = 0; i < 16; i++) x[i]! += input[i]!;
    for (let i = 0; i < out.length; i++) out[i] = (x[i >>> 2]! >>> ((i & 3) << 3)) & 0xff;
  }
}

const rotl = (v: number, n: number): number => (v << n) | (v >>> (32 - n));
