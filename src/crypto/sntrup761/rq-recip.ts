import { freezeQ } from './field.js';

/*
 * 1/(3s) in Rq (the submission's Rq_recip3), by 2p - 1 constant-time division steps of Bernstein
 * and Yang ("Fast constant-time gcd computation and modular inversion", 2019) on reversed
 * polynomials, as recipR3 in r3-recip.ts. x^p - x - 1 is irreducible mod q, so every nonzero s is
 * invertible.
 *
 * Unlike F3, f(0) is not +-1, so a step keeps both rows unnormalised: g <- (f(0) g - g(0) f) / x and
 * r <- f(0) r - g(0) v; the scale this accumulates is removed once at the end with f(0)^-1.
 *
 * The arrays are Float64Array holding exact integers, reduced mod q only every third step: with
 * multipliers f(0), g(0) reduced to |.| <= (q-1)/2, three steps grow a reduced entry to at most
 * 2295 * 4590^3 < 2^48, far inside the 2^53 of exact double arithmetic. Reduction is
 * x - q * round(x / q) with the round-to-nearest of adding and subtracting 1.5 * 2^52; for
 * |x| < 2^49 the computed quotient is within 2^-15 of x/q, whose fraction j/q is never within
 * 1/(2q) of 1/2, so the result is the exact centred residue. Additions and multiplications of such
 * doubles take the same time whatever their values; there is no branch on them.
 */

/** 1.5 * 2^52: y + ROUND - ROUND is y rounded to the nearest integer, for |y| < 2^51. */
const ROUND = 6755399441055744;

/** a^(q-2) = a^-1 mod q (a != 0). The exponent is public, so the sequence of operations is fixed. */
function invertModQ(a: number): number {
  let result = 1;
  let base = a;
  for (let e = 4591 - 2; e > 0; e >>>= 1) {
    // Multiply when the exponent bit is set; the bit is public.
    if (e & 1) result = freezeQ(result * base);
    base = freezeQ(base * base);
  }
  return result;
}

/**
 * 1/(3s) in Rq. Invariants after n steps, with F and S the reversed x^p - x - 1 and s:
 * x^n f = u*F + v*S and x^n g = u'*F + r*S. At the end f is a nonzero constant c, and
 * 1/s = c^-1 * x^p * v(1/x) mod (x^p - x - 1).
 */
export function recip3Rq(s: Int8Array): Int16Array {
  // Local copies of constants: a module-level binding would be reloaded in the hot loops.
  const p = 761; // P
  const q = 4591;
  const qinv = 1 / 4591;
  const round = ROUND;
  const f = new Float64Array(p + 1);
  const g = new Float64Array(p + 1);
  const v = new Float64Array(p + 2);
  const r = new Float64Array(p + 2);
  // Reversed x^p - x - 1 is 1 - x^(p-1) - x^p; reversed s (degree < p) has s[p-1-i] at i.
  f[0] = 1;
  f[p - 1] = -1;
  f[p] = -1;
  for (let i = 0; i < p; i++) g[i] = s[p - 1 - i]!;
  r[0] = 1;
  let delta = 1;

  for (let step = 0; step < 2 * p - 1; step++) {
    // Exact centred residues of f(0) and g(0) (two rounds: the first may start from 2^48).
    let f0: number = f[0]!;
    f0 -= q * (f0 * qinv + round - round);
    f0 -= q * (f0 * qinv + round - round);
    let g0: number = g[0]!;
    g0 -= q * (g0 * qinv + round - round);
    g0 -= q * (g0 * qinv + round - round);
    const f0i: number = f0 | 0;
    const g0i: number = g0 | 0;
    // Swap when delta > 0 and g(0) != 0; m is that condition as 0 or 1.
    const swap = (-delta >> 31) & ((g0i | -g0i) >> 31);
    delta ^= swap & (delta ^ -delta);
    delta += 1;
    const m = -swap;
    const F0: number = f0i + m * (g0i - f0i);
    const G0: number = g0i - m * (g0i - f0i);
    f[0] = F0;
    // g <- (F0 g - G0 f) / x, fused with the conditional swap of f and g, over positions < len.
    // While g != 0, deg f + deg g <= 2p - 1 - step (Bernstein-Yang: 2 deg f <= 2p - 1 - n + delta
    // and 2 deg g <= 2p - 1 - n - delta after n steps), so both vanish from len on; once g = 0 a
    // step changes nothing there. len depends on the step number only.
    const len = 2 * p - 1 - step < p ? 2 * p - 1 - step : p;
    for (let i = 0; i < len; i++) {
      const fi = f[i + 1]!;
      const gi = g[i + 1]!;
      const d = m * (gi - fi);
      const F = fi + d;
      f[i + 1] = F;
      g[i] = F0 * (gi - d) - G0 * F;
    }
    g[len] = 0;
    // r <- F0 r - G0 v and v <- x v, fused with the swap of v and r. v and r have degree <= step
    // (a public bound), so higher positions are zero and skipped.
    const top = step + 1 < p ? step + 1 : p;
    for (let i = top; i >= 0; i--) {
      const vi = v[i]!;
      const ri = r[i]!;
      const d = m * (ri - vi);
      const V = vi + d;
      r[i] = F0 * (ri - d) - G0 * V;
      v[i + 1] = V;
    }
    v[0] = 0;
    if (step % 3 === 2) {
      // Every third step (a public schedule) bring the entries back to centred residues; beyond
      // the bounds used above they are zero.
      for (let i = 0; i <= len; i++) {
        const a = f[i]!;
        f[i] = a - q * (a * qinv + round - round);
        const b = g[i]!;
        g[i] = b - q * (b * qinv + round - round);
      }
      for (let i = 0; i <= top + 1; i++) {
        const a = v[i]!;
        v[i] = a - q * (a * qinv + round - round);
        const b = r[i]!;
        r[i] = b - q * (b * qinv + round - round);
      }
    }
  }

  const reduce = (x: number): number => {
    x -= q * (x * qinv + round - round);
    return x - q * (x * qinv + round - round);
  };
  // inverse of 3s = (3c)^-1 * sum v_i x^(p-i), with x^p = x + 1 for i = 0.
  const scale = invertModQ(freezeQ(3 * reduce(f[0]!)));
  const acc = new Int32Array(p);
  for (let i = 1; i <= p; i++) acc[p - i] = reduce(v[i]!);
  const v0 = reduce(v[0]!);
  acc[0] = acc[0]! + v0;
  acc[1] = acc[1]! + v0;
  const out = new Int16Array(p);
  for (let i = 0; i < p; i++) out[i] = freezeQ(freezeQ(acc[i]!) * scale);
  f.fill(0);
  g.fill(0);
  v.fill(0);
  r.fill(0);
  acc.fill(0);
  return out;
}
