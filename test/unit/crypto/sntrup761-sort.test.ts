import { describe, expect, it } from 'vitest';
import { P, W } from '../../../src/crypto/sntrup761/params.js';
import { shortFromList, shortRandom, smallRandom } from '../../../src/crypto/sntrup761/random.js';
import { sortInt32, sortUint32 } from '../../../src/crypto/sntrup761/sort.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

describe('constant-time sort', () => {
  it('sorts unsigned words like Array.prototype.sort, for many lengths and edge values', () => {
    const next = lcg(11);
    const edges = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
    for (const n of [0, 1, 2, 3, 5, 8, 17, 64, 100, 255, 761, 1024]) {
      for (let t = 0; t < 5; t++) {
        const x = Uint32Array.from({ length: n }, () =>
          t === 0 ? edges[next() % edges.length]! : t === 1 ? next() % 4 : next(),
        );
        const expected = Array.from(x).sort((a, b) => a - b);
        sortUint32(x);
        expect(Array.from(x)).toEqual(expected);
      }
    }
  });

  it('sorts signed words', () => {
    const x = Int32Array.of(3, -1, 2 ** 31 - 1, -(2 ** 31), 0, -5, 7);
    sortInt32(x);
    expect(Array.from(x)).toEqual([-(2 ** 31), -5, -1, 0, 3, 7, 2 ** 31 - 1]);
  });
});

describe('Short_fromlist / Small_random', () => {
  it('always produces exactly w nonzero coefficients in {-1, 0, 1}', () => {
    const next = lcg(12);
    for (let t = 0; t < 20; t++) {
      const list = Uint32Array.from({ length: P }, () => (t === 0 ? 0 : t === 1 ? 0xffffffff : next()));
      const f = shortFromList(list);
      expect(f.filter((c) => c !== 0).length).toBe(W);
      expect(f.every((c) => c >= -1 && c <= 1)).toBe(true);
    }
  });

  it('reads 4 bytes per word from the random source, little-endian', () => {
    const calls: number[] = [];
    const source = (n: number): Uint8Array => {
      calls.push(n);
      return Uint8Array.of(0xff, 0xff, 0xff, 0x3f);
    };
    const g = smallRandom(source);
    expect(calls.length).toBe(P);
    expect(calls.every((n) => n === 4)).toBe(true);
    // (0x3fffffff * 3) >> 30 = 2, minus 1.
    expect(g.every((c) => c === 1)).toBe(true);
    const f = shortRandom(() => Uint8Array.of(1, 2, 3, 4));
    expect(f.filter((c) => c !== 0).length).toBe(W);
  });
});
