import { describe, expect, it } from 'vitest';
import { bcryptPbkdf } from '../../../src/crypto/bcrypt-pbkdf.js';
import vectors from '../../vectors/bcrypt-pbkdf.json' with { type: 'json' };

const hex = (s: string): Uint8Array => Buffer.from(s, 'hex');

describe('bcrypt_pbkdf', () => {
  it.each(vectors.vectors)('vector rounds=$rounds key=$key', ({ password, salt, rounds, key }) => {
    const out = bcryptPbkdf(hex(password), hex(salt), rounds, key.length / 2);
    expect(Buffer.from(out).toString('hex')).toBe(key);
  });

  it('a shorter output is not a prefix of a longer one (bytes are interleaved across blocks)', () => {
    const a = bcryptPbkdf(Buffer.from('password'), Buffer.from('salt'), 4, 32);
    const b = bcryptPbkdf(Buffer.from('password'), Buffer.from('salt'), 4, 48);
    expect(Buffer.from(a).equals(Buffer.from(b.subarray(0, 32)))).toBe(false);
  });

  it('refuses bad parameters', () => {
    const p = Buffer.from('p');
    const s = Buffer.from('s');
    expect(() => bcryptPbkdf(p, s, 0, 32)).toThrow(RangeError);
    expect(() => bcryptPbkdf(new Uint8Array(0), s, 1, 32)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, new Uint8Array(0), 1, 32)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, s, 1, 0)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, s, 1, 1025)).toThrow(RangeError);
  });
});
