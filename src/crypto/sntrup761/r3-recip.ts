import { freeze3, negativeMask, nonzeroMask } from './field.js';
import { P } from './params.js';

/*
 * 1/s in R3 = F3[x]/(x^p - x - 1) (the submission's R3_recip), by the constant-time division steps
 * of Bernstein and Yang ("Fast constant-time gcd computation and modular inversion", 2019, §3 and
 * the polynomial case in §6) on reversed polynomials.
 *
 * Polynomials are bitsliced: coefficient i of a polynomial is bit i of two planes, `pos` (the
 * coefficient is +1) and `neg` (it is -1). A step then costs a few word operations per 32
 * coefficients, with no branch or index depending on the coefficients.
 */

/** 32-bit words per plane: room for p + 2 coefficients. */
const WORDS = Math.ceil((P + 2) / 32);

/** A bitsliced F3 polynomial: bit i of `pos`/`neg` says coefficient i is +1/-1. */
interface Planes {
  pos: Int32Array;
  neg: Int32Array;
}

function planes(): Planes {
  return { pos: new Int32Array(WORDS), neg: new Int32Array(WORDS) };
}

function setCoefficient(x: Planes, i: number, value: number): void {
  // value is public here (inputs are converted in a fixed pattern), but keep it branch-free anyway.
  const w = i >>> 5;
  const bit = 1 << (i & 31);
  x.pos[w] = x.pos[w]! | (bit & nonzeroMask(value) & ~negativeMask(value));
  x.neg[w] = x.neg[w]! | (bit & negativeMask(value));
}

function coefficient(x: Planes, i: number): number {
  const w = i >>> 5;
  const b = i & 31;
  return ((x.pos[w]! >>> b) & 1) - ((x.neg[w]! >>> b) & 1);
}

/** Swaps the contents of `a` and `b` where `mask` is -1; leaves them where it is 0. */
function condSwap(a: Int32Array, b: Int32Array, mask: number): void {
  for (let k = 0; k < WORDS; k++) {
    const t = mask & (a[k]! ^ b[k]!);
    a[k] = a[k]! ^ t;
    b[k] = b[k]! ^ t;
  }
}

/**
 * y <- y - c*x for a scalar c in F3 given as masks (cpos: c = 1, cneg: c = -1), word by word:
 * -c*x has planes (x.neg & cpos | x.pos & cneg, x.pos & cpos | x.neg & cneg), then an F3 addition.
 */
function subtractMultiple(y: Planes, x: Planes, cpos: number, cneg: number): void {
  for (let k = 0; k < WORDS; k++) {
    const xp = x.pos[k]!;
    const xn = x.neg[k]!;
    const bp = (xn & cpos) | (xp & cneg);
    const bn = (xp & cpos) | (xn & cneg);
    const ap = y.pos[k]!;
    const an = y.neg[k]!;
    const za = ~(ap | an);
    const zb = ~(bp | bn);
    y.pos[k] = (ap & zb) | (bp & za) | (an & bn);
    y.neg[k] = (an & zb) | (bn & za) | (ap & bp);
  }
}

/** Divides by x: every coefficient moves down one place (the constant term is zero here). */
function shiftDown(a: Int32Array): void {
  for (let k = 0; k < WORDS - 1; k++) a[k] = (a[k]! >>> 1) | (a[k + 1]! << 31);
  a[WORDS - 1] = a[WORDS - 1]! >>> 1;
}

/** Multiplies by x: every coefficient moves up one place. */
function shiftUp(a: Int32Array): void {
  for (let k = WORDS - 1; k > 0; k--) a[k] = (a[k]! << 1) | (a[k - 1]! >>> 31);
  a[0] = a[0]! << 1;
}

/** Result of {@link recipR3}: the inverse when it exists (`ok` false: no inverse, value meaningless). */
export interface R3Reciprocal {
  readonly inverse: Int8Array;
  readonly ok: boolean;
}

/**
 * 1/s in R3 by 2p - 1 division steps. With F and S the reversed x^p - x - 1 and s, the invariants
 * after n steps are x^n f = u*F + v*S and x^n g = u'*F + r*S. At the end g = 0, and f is a nonzero
 * constant c exactly when s is invertible; then 1/s = c^-1 * x^p * v(1/x) mod (x^p - x - 1).
 */
export function recipR3(s: Int8Array): R3Reciprocal {
  const f = planes();
  const g = planes();
  const v = planes();
  const r = planes();
  // Reversed x^p - x - 1 is 1 - x^(p-1) - x^p; reversed s (degree < p) has s[p-1-i] at i.
  setCoefficient(f, 0, 1);
  setCoefficient(f, P - 1, -1);
  setCoefficient(f, P, -1);
  for (let i = 0; i < P; i++) setCoefficient(g, i, s[P - 1 - i]!);
  setCoefficient(r, 0, 1);
  let delta = 1;

  for (let step = 0; step < 2 * P - 1; step++) {
    const g0 = (g.pos[0]! & 1) - (g.neg[0]! & 1);
    // Swap when delta > 0 and g(0) != 0.
    const swap = negativeMask(-delta) & nonzeroMask(g0);
    delta ^= swap & (delta ^ -delta);
    delta += 1;
    condSwap(f.pos, g.pos, swap);
    condSwap(f.neg, g.neg, swap);
    condSwap(v.pos, r.pos, swap);
    condSwap(v.neg, r.neg, swap);
    // c = g(0) / f(0); f(0) = +-1 is its own inverse. g <- (g - c f) / x, r <- r - c v, v <- x v.
    const c = ((g.pos[0]! & 1) - (g.neg[0]! & 1)) * ((f.pos[0]! & 1) - (f.neg[0]! & 1));
    const cneg = negativeMask(c);
    const cpos = nonzeroMask(c) & ~cneg;
    subtractMultiple(g, f, cpos, cneg);
    shiftDown(g.pos);
    shiftDown(g.neg);
    subtractMultiple(r, v, cpos, cneg);
    shiftUp(v.pos);
    shiftUp(v.neg);
  }

  // Invertible iff f is a nonzero constant: no bit above position 0.
  let rest = (f.pos[0]! | f.neg[0]!) & ~1;
  for (let k = 1; k < WORDS; k++) rest |= f.pos[k]! | f.neg[k]!;
  const ok = nonzeroMask(rest) === 0;
  // inverse = c^-1 * sum v_i x^(p-i), with x^p = x + 1 for i = 0; c = f(0) = +-1 is its own inverse.
  const c = coefficient(f, 0);
  const v0 = coefficient(v, 0);
  const inv = new Int8Array(P);
  for (let i = 1; i <= P; i++) inv[P - i] = coefficient(v, i);
  inv[0] = freeze3(inv[0]! + v0);
  inv[1] = freeze3(inv[1]! + v0);
  for (let i = 0; i < P; i++) inv[i] = inv[i]! * c;
  return { inverse: inv, ok };
}
