import { freeze3 } from './field.js';
import { P } from './params.js';
import { multiplyPadded } from './poly-mul.js';

/*
 * Arithmetic in R3 = F3[x]/(x^p - x - 1), coefficients centred in {-1, 0, 1} (specification §3.1).
 * Nothing here branches on or indexes by coefficient values.
 */

/**
 * Reduces a product of length 2p-1 modulo x^p - x - 1 into `out`, in place on `prod`: since
 * x^p = x + 1, the coefficient of x^i (i >= p) moves to x^(i-p+1) and x^(i-p).
 */
export function reduceProduct(prod: Int32Array): void {
  for (let i = 2 * P - 2; i >= P; i--) {
    const c = prod[i]!;
    prod[i - P + 1] = prod[i - P + 1]! + c;
    prod[i - P] = prod[i - P]! + c;
  }
}

/** f * g in R3 (R3_mult). */
export function multR3(f: Int8Array, g: Int8Array): Int8Array {
  const prod = multiplyPadded(f, g);
  reduceProduct(prod);
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = freeze3(prod[i]!);
  prod.fill(0);
  return out;
}

/** Each centred Fq coefficient reduced mod 3 (R3_fromRq). */
export function r3FromRq(h: Int16Array): Int8Array {
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = freeze3(h[i]!);
  return out;
}

export { recipR3, type R3Reciprocal } from './r3-recip.js';
