import { describe, expect, it } from 'vitest';
import {
  decode,
  decodeRounded,
  decodeRq,
  decodeSmall,
  encode,
  encodeRounded,
  encodeRq,
  encodeSmall,
} from '../../../src/crypto/sntrup761/encode.js';
import { P, Q, ROUNDED_BYTES, RQ_BYTES, SMALL_BYTES } from '../../../src/crypto/sntrup761/params.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

describe('Encode/Decode (NTRU Prime spec §3.2)', () => {
  it('matches the specification on small lists', () => {
    // One value: emitted little-endian while the modulus exceeds 1.
    expect(Array.from(encode([0], [1]))).toEqual([]);
    expect(Array.from(encode([200], [256]))).toEqual([200]);
    expect(Array.from(encode([4590], [4591]))).toEqual([0xee, 0x11]);
    // Two values merge to r0 + m0 r1 = 5 + 4591 * 7 = 32142 with modulus 4591^2 = 21077281. Bytes
    // go out while the modulus is >= 2^14: 21077281 -> 82334 -> 322 (two bytes). The top level then
    // holds 32142 >> 16 = 0 with modulus 322, sent while the modulus exceeds 1: 322 -> 2 -> 1.
    const bytes = [32142 & 255, (32142 >> 8) & 255, 0, 0];
    expect(Array.from(encode([5, 7], [Q, Q]))).toEqual(bytes);
    expect(decode(Uint8Array.from(bytes), [Q, Q])).toEqual([5, 7]);
  });

  it('round-trips random lists of odd and even length with mixed moduli', () => {
    const next = lcg(7);
    for (const len of [1, 2, 3, 4, 5, 31, 32, 100, 761]) {
      const m = Array.from({ length: len }, () => 1 + (next() % 16384));
      const r = m.map((mi) => next() % mi);
      expect(decode(encode(r, m), m)).toEqual(r);
    }
  });

  it('reduces out-of-range input modulo M instead of failing', () => {
    const bytes = new Uint8Array(RQ_BYTES).fill(0xff);
    const h = decodeRq(bytes);
    expect(h.length).toBe(P);
    expect(h.every((c) => c >= -(Q - 1) / 2 && c <= (Q - 1) / 2)).toBe(true);
  });
});

describe('sntrup761 encodings', () => {
  it('Rq: 1158 bytes, round trip', () => {
    const next = lcg(8);
    const h = Int16Array.from({ length: P }, () => (next() % Q) - (Q - 1) / 2);
    h[0] = -(Q - 1) / 2;
    h[1] = (Q - 1) / 2;
    const bytes = encodeRq(h);
    expect(bytes.length).toBe(RQ_BYTES);
    expect(Array.from(decodeRq(bytes))).toEqual(Array.from(h));
  });

  it('Rounded: 1007 bytes, round trip of multiples of 3', () => {
    const next = lcg(9);
    const c = Int16Array.from({ length: P }, () => 3 * (next() % 1531) - (Q - 1) / 2);
    const bytes = encodeRounded(c);
    expect(bytes.length).toBe(ROUNDED_BYTES);
    expect(Array.from(decodeRounded(bytes))).toEqual(Array.from(c));
  });

  it('Small: 191 bytes, four coefficients a byte, low bits first', () => {
    const f = new Int8Array(P);
    f[0] = -1;
    f[1] = 0;
    f[2] = 1;
    f[3] = 1;
    f[P - 1] = 1;
    const bytes = encodeSmall(f);
    expect(bytes.length).toBe(SMALL_BYTES);
    expect(bytes[0]).toBe(0 | (1 << 2) | (2 << 4) | (2 << 6));
    expect(bytes[SMALL_BYTES - 1]).toBe(2);
    expect(bytes[1]).toBe(0x55);
    expect(Array.from(decodeSmall(bytes))).toEqual(Array.from(f));
  });
});
