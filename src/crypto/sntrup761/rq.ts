import { freeze3, freezeQ } from './field.js';
import { P } from './params.js';
import { multiplyPadded } from './poly-mul.js';
import { reduceProduct } from './r3.js';

/*
 * Arithmetic in Rq = (Z/q)[x]/(x^p - x - 1), coefficients centred in [-(q-1)/2, (q-1)/2]
 * (specification §3.1). Nothing here branches on or indexes by coefficient values.
 */

/**
 * h * g in Rq for a small g (coefficients in {-1, 0, 1}): Rq_mult_small. The integer product has
 * coefficients of at most p (q-1)/2, three times that after folding x^p = x + 1: below 2^24.
 */
export function multRqSmall(h: Int16Array, g: Int8Array): Int16Array {
  const prod = multiplyPadded(h, g);
  reduceProduct(prod);
  const out = new Int16Array(P);
  for (let i = 0; i < P; i++) out[i] = freezeQ(prod[i]!);
  prod.fill(0);
  return out;
}

/** 3 * h in Rq (Rq_mult3). */
export function scale3Rq(h: Int16Array): Int16Array {
  const out = new Int16Array(P);
  for (let i = 0; i < P; i++) out[i] = freezeQ(3 * h[i]!);
  return out;
}

/** Each coefficient rounded to the nearest multiple of 3 (Round): c - F3_freeze(c). */
export function roundRq(h: Int16Array): Int16Array {
  const out = new Int16Array(P);
  for (let i = 0; i < P; i++) out[i] = h[i]! - freeze3(h[i]!);
  return out;
}

export { recip3Rq } from './rq-recip.js';
