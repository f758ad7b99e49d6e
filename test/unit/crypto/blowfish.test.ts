import { describe, expect, it } from 'vitest';
import { Blowfish, BLOWFISH_MAX_KEY_BYTES } from '../../../src/crypto/blowfish.js';
import vectors from '../../vectors/blowfish-ecb.json' with { type: 'json' };

const hex = (s: string): Uint8Array => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('Blowfish (Eric Young / Schneier vectors)', () => {
  it.each(vectors.ecb)('ECB key $key pt $plaintext', ({ key, plaintext, ciphertext }) => {
    const bf = Blowfish.withKey(hex(key));
    const block = hex(plaintext);
    bf.encryptBlock(block);
    expect(toHex(block)).toBe(ciphertext);
    bf.decryptBlock(block);
    expect(toHex(block)).toBe(plaintext);
  });

  it('variable key lengths 1..24 bytes', () => {
    const { keyMaterial, plaintext, ciphertexts } = vectors.setKey;
    ciphertexts.forEach((expected, i) => {
      const bf = Blowfish.withKey(hex(keyMaterial).subarray(0, i + 1));
      const block = hex(plaintext);
      bf.encryptBlock(block);
      expect(toHex(block), `key length ${i + 1}`).toBe(expected);
      bf.decryptBlock(block);
      expect(toHex(block)).toBe(plaintext);
    });
  });

  it('CBC vector via encryptBlock/decryptBlock at offsets', () => {
    const { key, iv, plaintext, ciphertext } = vectors.cbc;
    const bf = Blowfish.withKey(hex(key));
    const data = new Uint8Array(32);
    data.set(hex(plaintext));
    let prev = hex(iv);
    for (let off = 0; off < data.length; off += 8) {
      for (let i = 0; i < 8; i++) data[off + i]! ^= prev[i]!;
      bf.encryptBlock(data, off);
      prev = data.slice(off, off + 8);
    }
    expect(toHex(data)).toBe(ciphertext);
    prev = hex(iv);
    for (let off = 0; off < data.length; off += 8) {
      const c = data.slice(off, off + 8);
      bf.decryptBlock(data, off);
      for (let i = 0; i < 8; i++) data[off + i]! ^= prev[i]!;
      prev = c;
    }
    expect(toHex(data).slice(0, plaintext.length)).toBe(plaintext);
  });

  it('the initial state is the hexadecimal expansion of pi', () => {
    // Recompute 1042 words of pi's fractional hex digits with Machin's formula.
    const digits = 1042 * 8;
    const bits = BigInt(digits * 4 + 64);
    const one = 1n << bits;
    const atanInv = (x: bigint): bigint => {
      let sum = 0n;
      let term = one / x;
      let n = 1n;
      let sign = 1n;
      while (term !== 0n) {
        sum += (sign * term) / n;
        term /= x * x;
        n += 2n;
        sign = -sign;
      }
      return sum;
    };
    const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
    const fracHex = ((pi - (3n << bits)) >> 64n).toString(16).padStart(digits, '0');
    expect(fracHex.slice(0, 8)).toBe('243f6a88');
    expect(fracHex.slice(-8)).toBe('3ac372e6');
    // With the unkeyed state, P1..P18 and the S-boxes act directly: encrypting (0, 0) with them
    // must match an independent evaluation of the Feistel network over the recomputed digits.
    const w = Array.from({ length: 1042 }, (_, i) => parseInt(fracHex.slice(i * 8, i * 8 + 8), 16));
    const f = (x: number): number =>
      ((((w[18 + (x >>> 24)]! + w[18 + 256 + ((x >>> 16) & 0xff)]!) >>> 0) ^
        w[18 + 512 + ((x >>> 8) & 0xff)]!) +
        w[18 + 768 + (x & 0xff)]!) >>>
      0;
    let l = 0x01234567;
    let r = 0x89abcdef;
    for (let i = 0; i < 16; i++) {
      l = (l ^ w[i]!) >>> 0;
      r = (r ^ f(l)) >>> 0;
      [l, r] = [r, l];
    }
    [l, r] = [r, l];
    r = (r ^ w[16]!) >>> 0;
    l = (l ^ w[17]!) >>> 0;
    const words = new Uint32Array([0x01234567, 0x89abcdef]);
    Blowfish.initialState().encryptWords(words);
    expect([...words]).toEqual([l, r]);
  });

  it('refuses empty and over-long keys and blocks out of range', () => {
    expect(() => Blowfish.withKey(new Uint8Array(0))).toThrow(RangeError);
    expect(() => Blowfish.withKey(new Uint8Array(BLOWFISH_MAX_KEY_BYTES + 1))).toThrow(RangeError);
    const bf = Blowfish.withKey(new Uint8Array(16));
    expect(() => bf.encryptBlock(new Uint8Array(12), 8)).toThrow(RangeError);
    expect(() => bf.encryptWords(new Uint32Array(3))).toThrow(RangeError);
  });

  it('encryptWords agrees with encryptBlock', () => {
    const bf = Blowfish.withKey(hex('0123456789abcdef'));
    const block = hex('0011223344556677');
    const words = new Uint32Array([0x00112233, 0x44556677]);
    bf.encryptBlock(block);
    bf.encryptWords(words);
    expect(toHex(block)).toBe(
      words[0]!.toString(16).padStart(8, '0') + words[1]!.toString(16).padStart(8, '0'),
    );
  });
});
