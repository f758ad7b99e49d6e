import { createCipheriv } from 'node:crypto';

/**
 * The deterministic generator of NIST's PQC known-answer tests: AES-256 CTR_DRBG without
 * derivation function or reseeding (NIST SP 800-90A §10.2.1), exactly as `randombytes_init` and
 * `randombytes` in the PQC submission package's `rng.c`. For reproducing published KATs only;
 * never a source of real keys.
 */
export class NistKatDrbg {
  private key = new Uint8Array(32);
  private v = new Uint8Array(16);

  /**
   * `randombytes_init(entropy_input, personalization_string, 256)`: 48 bytes of entropy, an optional
   * 48-byte personalization string XORed into it.
   */
  constructor(entropyInput: Uint8Array, personalization?: Uint8Array) {
    if (entropyInput.length !== 48) throw new RangeError('NIST KAT DRBG: entropy input must be 48 bytes');
    const seed = Uint8Array.from(entropyInput);
    if (personalization !== undefined) {
      if (personalization.length !== 48)
        throw new RangeError('NIST KAT DRBG: personalization must be 48 bytes');
      for (let i = 0; i < 48; i++) seed[i] = seed[i]! ^ personalization[i]!;
    }
    this.generateAndUpdate(0, seed);
  }

  /** `randombytes(x, length)`: the next `length` output bytes, then the state update. */
  randomBytes(length: number): Uint8Array {
    return this.generateAndUpdate(length, undefined);
  }

  /** {@link NistKatDrbg.randomBytes} as a standalone function (for APIs taking a byte source). */
  readonly source = (length: number): Uint8Array => this.randomBytes(length);

  /**
   * Encrypts the counters V+1 ... V+n (n output blocks) and then V+n+1 ... V+n+3 for
   * AES256_CTR_DRBG_Update, all under the current key, in one ECB pass.
   */
  private generateAndUpdate(length: number, providedData: Uint8Array | undefined): Uint8Array {
    const outBlocks = Math.ceil(length / 16);
    const counters = new Uint8Array((outBlocks + 3) * 16);
    for (let b = 0; b < outBlocks + 3; b++) {
      increment(this.v);
      counters.set(this.v, b * 16);
    }
    const cipher = createCipheriv('aes-256-ecb', this.key, null);
    cipher.setAutoPadding(false);
    const stream = new Uint8Array(Buffer.concat([cipher.update(counters), cipher.final()]));
    const temp = stream.subarray(outBlocks * 16);
    if (providedData !== undefined) for (let i = 0; i < 48; i++) temp[i] = temp[i]! ^ providedData[i]!;
    this.key = Uint8Array.from(temp.subarray(0, 32));
    this.v = Uint8Array.from(temp.subarray(32, 48));
    return stream.slice(0, length);
  }
}

/** Adds 1 to a 128-bit big-endian counter. */
function increment(v: Uint8Array): void {
  for (let j = 15; j >= 0; j--) {
    if (v[j] === 0xff) {
      v[j] = 0;
    } else {
      v[j] = v[j]! + 1;
      break;
    }
  }
}
