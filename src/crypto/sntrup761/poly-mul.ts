/*
 * Integer polynomial multiplication for the ring operations: Karatsuba down to 24-coefficient
 * schoolbook blocks, on Int32Array with no data-dependent branch or index. The inputs are padded
 * to 768 = 24 * 2^5 coefficients.
 *
 * Bounds: with |a_i| <= A and |b_i| <= B, an operand at depth k (k <= 5) has 768 / 2^k entries of
 * at most 2^k A and 2^k B, so every product formed has coefficients of at most 768 * 2^k * A * B,
 * which is 768 * 32 * 2295 < 2^26 for A = (q-1)/2, B = 1. A middle term minus two products stays
 * below 3 * 2^26, so every Int32 value is exact.
 */

/** Padded length of the operands. */
export const PADDED = 768;
const BASE = 24;

/** out[0 .. 2n-1) = a[0 .. n) * b[0 .. n), schoolbook. */
function schoolbook(
  a: Int32Array,
  ao: number,
  b: Int32Array,
  bo: number,
  n: number,
  out: Int32Array,
  oo: number,
): void {
  for (let k = 0; k < 2 * n - 1; k++) out[oo + k] = 0;
  for (let i = 0; i < n; i++) {
    const ai = a[ao + i]!;
    const base = oo + i;
    for (let j = 0; j < n; j++) out[base + j] = out[base + j]! + ai * b[bo + j]!;
  }
}

/**
 * out[oo .. oo+2n-1) = a * b for n-coefficient operands (n = 24 * 2^k). `scratch` from `so` on
 * must have room for 4n entries.
 */
function karatsuba(
  a: Int32Array,
  ao: number,
  b: Int32Array,
  bo: number,
  n: number,
  out: Int32Array,
  oo: number,
  scratch: Int32Array,
  so: number,
): void {
  if (n <= BASE) {
    schoolbook(a, ao, b, bo, n, out, oo);
    return;
  }
  const h = n >>> 1;
  // z0 = lo * lo at out[0 .. 2h-1), z2 = hi * hi at out[2h .. 4h-1), out[2h-1] = 0 between them.
  karatsuba(a, ao, b, bo, h, out, oo, scratch, so);
  karatsuba(a, ao + h, b, bo + h, h, out, oo + 2 * h, scratch, so);
  out[oo + 2 * h - 1] = 0;
  // Sums of halves at scratch[so .. so+h) and [so+h .. so+2h); z1 at [so+2h .. so+4h-1).
  const sa = so;
  const sb = so + h;
  const z1 = so + 2 * h;
  for (let i = 0; i < h; i++) {
    scratch[sa + i] = a[ao + i]! + a[ao + h + i]!;
    scratch[sb + i] = b[bo + i]! + b[bo + h + i]!;
  }
  karatsuba(scratch, sa, scratch, sb, h, scratch, z1, scratch, so + 4 * h);
  // out[h ..) += z1 - z0 - z2; z1 is completed first because the target overlaps z0 and z2.
  for (let i = 0; i < 2 * h - 1; i++)
    scratch[z1 + i] = scratch[z1 + i]! - out[oo + i]! - out[oo + 2 * h + i]!;
  for (let i = 0; i < 2 * h - 1; i++) out[oo + h + i] = out[oo + h + i]! + scratch[z1 + i]!;
}

/**
 * The product of two polynomials of fewer than 768 coefficients, as 1535 integer coefficients.
 * `a` and `b` are read as signed integers; callers keep the bounds stated above.
 */
export function multiplyPadded(a: ArrayLike<number>, b: ArrayLike<number>): Int32Array {
  const pa = new Int32Array(PADDED);
  const pb = new Int32Array(PADDED);
  for (let i = 0; i < a.length; i++) pa[i] = a[i]!;
  for (let i = 0; i < b.length; i++) pb[i] = b[i]!;
  const out = new Int32Array(2 * PADDED - 1);
  // Scratch: 4n at each level down, 4 * (768 + 384 + ...) < 8 * 768.
  const scratch = new Int32Array(8 * PADDED);
  karatsuba(pa, 0, pb, 0, PADDED, out, 0, scratch, 0);
  pa.fill(0);
  pb.fill(0);
  scratch.fill(0);
  return out;
}
