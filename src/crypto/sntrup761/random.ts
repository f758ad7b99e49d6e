import { randomBytes } from 'node:crypto';
import { P, W } from './params.js';
import { sortUint32 } from './sort.js';

/**
 * Where sntrup761 gets its randomness: returns `length` fresh random bytes. The KEM asks for 4
 * bytes per 32-bit word (little-endian) and 191 bytes for rho, in the order of the submission's
 * reference code, so a NIST KAT DRBG passed here reproduces the published known-answer tests.
 */
export type RandomSource = (length: number) => Uint8Array;

/**
 * A {@link RandomSource} over `crypto.randomBytes` that fetches `chunk` bytes at a time and hands
 * them out in order. Create one per operation: it holds unused random bytes.
 */
export function bufferedSystemRandom(chunk = 8192): RandomSource {
  let pool = new Uint8Array(0);
  let at = 0;
  return (length: number): Uint8Array => {
    if (at + length > pool.length) {
      pool = new Uint8Array(randomBytes(Math.max(chunk, length)));
      at = 0;
    }
    const out = pool.slice(at, at + length);
    // Do not keep handed-out bytes around.
    pool.fill(0, at, at + length);
    at += length;
    return out;
  };
}

/** urandom32 of the specification: a little-endian 32-bit word from 4 random bytes. */
function randomWord(random: RandomSource): number {
  const b = random(4);
  if (b.length !== 4) throw new Error('sntrup761: random source returned the wrong number of bytes');
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/**
 * Small_random: p coefficients, each floor(3 * (L mod 2^30) / 2^30) - 1 for a random word L, so
 * uniform-ish in {-1, 0, 1}.
 */
export function smallRandom(random: RandomSource): Int8Array {
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) {
    const l = randomWord(random);
    out[i] = (((l & 0x3fffffff) * 3) >>> 30) - 1;
  }
  return out;
}

/**
 * Short_random via Short_fromlist: w words get their low two bits forced to 0 or 2 (coefficient
 * -1 or +1), the rest to 1 (coefficient 0); a constant-time sort by the random high bits shuffles
 * them, and the low two bits minus 1 are the coefficients. The result has exactly w nonzero entries.
 */
export function shortRandom(random: RandomSource): Int8Array {
  const list = new Uint32Array(P);
  for (let i = 0; i < P; i++) list[i] = randomWord(random);
  return shortFromList(list);
}

/** Short_fromlist of the specification, for a list of p random 32-bit words (consumed). */
export function shortFromList(list: Uint32Array): Int8Array {
  for (let i = 0; i < W; i++) list[i] = list[i]! & 0xfffffffe;
  for (let i = W; i < P; i++) list[i] = (list[i]! & 0xfffffffc) | 1;
  sortUint32(list);
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = (list[i]! & 3) - 1;
  list.fill(0);
  return out;
}
