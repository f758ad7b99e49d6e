import { describe, expect, it } from 'vitest';
import { Cast128 } from '../../../src/crypto/cast128.js';
import vectors from '../../vectors/legacy-cbc-ciphers.json' with { type: 'json' };

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('CAST-128 (RFC 2144 Appendix B)', () => {
  it.each(vectors.cast128.ecb)('B.1: key $key encrypts to $ciphertext and back', (v) => {
    const c = new Cast128(hex(v.key));
    const block = hex(v.plaintext);
    c.encryptBlock(block, 0);
    expect(toHex(block)).toBe(v.ciphertext);
    c.decryptBlock(block, 0);
    expect(toHex(block)).toBe(v.plaintext);
  });

  it('transforms the block at an offset and leaves the rest alone', () => {
    const v = vectors.cast128.ecb[0]!;
    const buf = new Uint8Array(24).fill(0xaa);
    buf.set(hex(v.plaintext), 8);
    new Cast128(hex(v.key)).encryptBlock(buf, 8);
    expect(toHex(buf)).toBe('aa'.repeat(8) + v.ciphertext + 'aa'.repeat(8));
  });

  it('B.2: the full maintenance test (a million key schedules)', () => {
    const m = vectors.cast128.maintenance;
    const a = hex(m.a);
    const b = hex(m.b);
    for (let i = 0; i < m.iterations; i++) {
      const byB = new Cast128(b);
      byB.encryptBlock(a, 0);
      byB.encryptBlock(a, 8);
      const byA = new Cast128(a);
      byA.encryptBlock(b, 0);
      byA.encryptBlock(b, 8);
    }
    expect(toHex(a)).toBe(m.aAfter);
    expect(toHex(b)).toBe(m.bAfter);
  });

  it('refuses keys outside 40..128 bits', () => {
    expect(() => new Cast128(new Uint8Array(4))).toThrow(RangeError);
    expect(() => new Cast128(new Uint8Array(17))).toThrow(RangeError);
  });
});
