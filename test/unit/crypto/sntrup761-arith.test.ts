import { describe, expect, it } from 'vitest';
import { freeze3, freezeQ, negativeMask, nonzeroMask } from '../../../src/crypto/sntrup761/field.js';
import { P, Q } from '../../../src/crypto/sntrup761/params.js';
import { multiplyPadded } from '../../../src/crypto/sntrup761/poly-mul.js';
import { multR3, r3FromRq, recipR3 } from '../../../src/crypto/sntrup761/r3.js';
import { multRqSmall, recip3Rq, roundRq, scale3Rq } from '../../../src/crypto/sntrup761/rq.js';

/** A small deterministic generator so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function randomSmall(next: () => number): Int8Array {
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = (next() % 3) - 1;
  return out;
}

function randomRq(next: () => number): Int16Array {
  const out = new Int16Array(P);
  for (let i = 0; i < P; i++) out[i] = (next() % Q) - (Q - 1) / 2;
  return out;
}

const centred = (x: number, m: number): number => {
  const r = ((x % m) + m) % m;
  return r > (m - 1) / 2 ? r - m : r;
};

/** Product modulo x^p - x - 1 and m by the definition, slowly: the reference for the fast code. */
function slowRingProduct(a: ArrayLike<number>, b: ArrayLike<number>, m: number): number[] {
  const prod = new Array<number>(2 * P - 1).fill(0);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) prod[i + j] = prod[i + j]! + a[i]! * b[j]!;
  for (let i = 2 * P - 2; i >= P; i--) {
    prod[i - P + 1] = prod[i - P + 1]! + prod[i]!;
    prod[i - P] = prod[i - P]! + prod[i]!;
  }
  return prod.slice(0, P).map((x) => centred(x, m));
}

/** gcd(s, x^p - x - 1) == 1 over F3, by textbook Euclid (variable time; test only). */
function slowInvertibleMod3(s: Int8Array): boolean {
  const norm = (a: number[]): number[] => {
    const r = a.map((x) => ((x % 3) + 3) % 3);
    while (r.length > 0 && r[r.length - 1] === 0) r.pop();
    return r;
  };
  let a = norm([-1, -1, ...new Array<number>(P - 2).fill(0), 1]);
  let b = norm(Array.from(s));
  while (b.length > 0) {
    const r = a.slice();
    const lead = b[b.length - 1]!; // 1 or 2, its own inverse mod 3
    while (r.length >= b.length) {
      const c = (r[r.length - 1]! * lead) % 3;
      const shift = r.length - b.length;
      for (let i = 0; i < b.length; i++) r[shift + i] = (r[shift + i]! - c * b[i]! + 9) % 3;
      while (r.length > 0 && r[r.length - 1] === 0) r.pop();
    }
    a = b;
    b = r;
  }
  return a.length === 1;
}

/**
 * A degree-19 irreducible factor of x^761 - x - 1 over F3 (coefficients from x^0 up, 2 = -1),
 * found by distinct-degree factorization: gcd(x^761 - x - 1, x^(3^19) - x). Its multiples have no
 * inverse in R3.
 */
const FACTOR_19 = [1, 1, 0, 1, 1, 1, 2, 1, 2, 1, 0, 1, 2, 2, 2, 2, 1, 0, 2, 2];

describe('sntrup761 scalar helpers', () => {
  it('freezeQ is the centred residue mod q on [-2^24, 2^24)', () => {
    let bad = 0;
    for (let x = -(1 << 24); x < 1 << 24; x += 7) if (freezeQ(x) !== centred(x, Q)) bad++;
    for (let x = -20000; x < 20000; x++) if (freezeQ(x) !== centred(x, Q)) bad++;
    expect(bad).toBe(0);
  });

  it('freeze3 is the centred residue mod 3 on [-2^14, 2^14)', () => {
    let bad = 0;
    for (let x = -(1 << 14); x < 1 << 14; x++) if (freeze3(x) !== centred(x, 3)) bad++;
    expect(bad).toBe(0);
  });

  it('masks', () => {
    expect([0, 1, -1, 5, -(2 ** 31) + 1].map(nonzeroMask)).toEqual([0, -1, -1, -1, -1]);
    expect([0, 1, -1, 2 ** 31 - 1, -(2 ** 31)].map(negativeMask)).toEqual([0, 0, -1, 0, -1]);
  });
});

describe('sntrup761 polynomial products', () => {
  it('Karatsuba equals schoolbook at the extreme and random coefficients', () => {
    const next = lcg(1);
    const cases: [Int16Array, Int8Array][] = [
      [new Int16Array(P).fill(2295), new Int8Array(P).fill(1)],
      [new Int16Array(P).fill(-2295), new Int8Array(P).fill(1)],
      [randomRq(next), randomSmall(next)],
      [randomRq(next), randomSmall(next)],
    ];
    for (const [a, b] of cases) {
      const fast = multiplyPadded(a, b);
      const slow = new Array<number>(2 * P - 1).fill(0);
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) slow[i + j] = slow[i + j]! + a[i]! * b[j]!;
      expect(Array.from(fast.subarray(0, 2 * P - 1))).toEqual(slow);
      expect(fast.subarray(2 * P - 1).every((x) => x === 0)).toBe(true);
    }
  });

  it('multRqSmall and multR3 reduce modulo x^p - x - 1', () => {
    const next = lcg(2);
    const h = randomRq(next);
    const g = randomSmall(next);
    const f = randomSmall(next);
    expect(Array.from(multRqSmall(h, g))).toEqual(slowRingProduct(h, g, Q));
    expect(Array.from(multR3(f, g))).toEqual(slowRingProduct(f, g, 3));
  });

  it('scale3Rq, roundRq and r3FromRq', () => {
    const h = randomRq(lcg(3));
    const s = scale3Rq(h);
    const r = roundRq(h);
    const t = r3FromRq(h);
    for (let i = 0; i < P; i++) {
      expect(s[i]).toBe(centred(3 * h[i]!, Q));
      expect(Math.abs(r[i]! % 3)).toBe(0);
      expect(Math.abs(r[i]! - h[i]!)).toBeLessThanOrEqual(1);
      expect(Math.abs(r[i]!)).toBeLessThanOrEqual((Q - 1) / 2);
      expect(t[i]).toBe(centred(h[i]!, 3));
    }
  });
});

describe('sntrup761 reciprocals', () => {
  it('recipR3 inverts exactly the invertible inputs', () => {
    const next = lcg(4);
    const factor = new Int8Array(P);
    FACTOR_19.forEach((c, i) => (factor[i] = c === 2 ? -1 : c));
    const inputs: Int8Array[] = [new Int8Array(P), factor, Int8Array.from(factor, (c) => -c)];
    for (let i = 0; i < 6; i++) inputs.push(multR3(factor, randomSmall(next)));
    for (let i = 0; i < 30; i++) inputs.push(randomSmall(next));
    const one = new Int8Array(P);
    one[0] = 1;
    inputs.push(
      one,
      Int8Array.from(one, (c) => -c),
    );
    let invertible = 0;
    for (const s of inputs) {
      const { inverse, ok } = recipR3(s);
      expect(ok).toBe(slowInvertibleMod3(s));
      if (ok) {
        invertible++;
        expect(Array.from(multR3(s, inverse))).toEqual(Array.from(one));
      }
    }
    expect(invertible).toBeGreaterThan(25);
    expect(invertible).toBeLessThan(inputs.length - 8);
  });

  it('recip3Rq gives 1/(3s)', () => {
    const next = lcg(5);
    for (let t = 0; t < 5; t++) {
      const s = randomSmall(next);
      const product = scale3Rq(multRqSmall(recip3Rq(s), s));
      expect(product[0]).toBe(1);
      expect(product.subarray(1).every((x) => x === 0)).toBe(true);
    }
  });
});
