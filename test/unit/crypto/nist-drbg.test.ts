import { describe, expect, it } from 'vitest';
import kat from '../../vectors/sntrup761-kat.json' with { type: 'json' };
import { NistKatDrbg } from '../../../src/crypto/nist-drbg.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

describe('NIST PQC KAT DRBG (AES-256 CTR_DRBG, rng.c)', () => {
  it('reproduces the per-count seeds of the KAT files from entropy 00..2f', () => {
    const drbg = new NistKatDrbg(Buffer.from(kat.kat_entropy_input, 'hex'));
    for (const v of kat.vectors) expect(hex(drbg.randomBytes(48))).toBe(v.seed);
  });

  it('does not depend on how output is split within one call, but does across calls', () => {
    const seed = Buffer.from(kat.vectors[0]!.seed, 'hex');
    const a = new NistKatDrbg(seed).randomBytes(40);
    const b = new NistKatDrbg(seed).randomBytes(33);
    expect(hex(b)).toBe(hex(a.subarray(0, 33)));
    const c = new NistKatDrbg(seed);
    const first = c.randomBytes(16);
    const second = c.randomBytes(16);
    // Each call ends with a state update, so the second call is not the continuation of the first.
    expect(hex(first)).toBe(hex(a.subarray(0, 16)));
    expect(hex(second)).not.toBe(hex(a.subarray(16, 32)));
  });

  it('applies a personalization string and rejects bad lengths', () => {
    const e = new Uint8Array(48);
    const p = new Uint8Array(48).fill(1);
    expect(hex(new NistKatDrbg(e, p).randomBytes(16))).not.toBe(hex(new NistKatDrbg(e).randomBytes(16)));
    expect(() => new NistKatDrbg(new Uint8Array(47))).toThrow(RangeError);
    expect(() => new NistKatDrbg(e, new Uint8Array(1))).toThrow(RangeError);
  });
});
