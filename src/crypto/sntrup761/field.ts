/*
 * Branch-free scalar helpers on 32-bit integers. Secret values only flow through additions,
 * multiplications, shifts and masks: no comparisons, no branches and no table indices.
 */

/** -1 when `x` is nonzero, else 0 (for |x| < 2^31). */
export function nonzeroMask(x: number): number {
  // x | -x has its sign bit set exactly when x != 0.
  return (x | -x) >> 31;
}

/** -1 when `x` is negative, else 0. */
export function negativeMask(x: number): number {
  return x >> 31;
}

/**
 * x mod q, centred in [-(q-1)/2, (q-1)/2] (the submission's Fq_freeze), for |x| < 2^24. Two
 * Barrett steps with multipliers near 2^18/q and 2^27/q replace the division.
 */
export function freezeQ(x: number): number {
  // Literal constants (4591 = q) let the JIT fold them; an imported binding would be loaded each time.
  // 57 ~ 2^18/q: leaves x in a few multiples of q around 0.
  x -= 4591 * ((x * 57) >> 18);
  // 29235 ~ 2^27/q with rounding (adding 2^26) gives the centred representative.
  return x - 4591 * ((x * 29235 + 67108864) >> 27);
}

/** x mod 3, centred in {-1, 0, 1} (the submission's F3_freeze), for |x| < 2^14. */
export function freeze3(x: number): number {
  // 21846 ~ 2^16/3; the rounding constant makes the quotient the nearest integer.
  return x - 3 * ((x * 21846 + 32768) >> 16);
}
