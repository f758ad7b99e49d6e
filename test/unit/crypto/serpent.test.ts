import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Serpent } from '../../../src/crypto/serpent.js';
import { SERPENT_INVERSE_SBOXES, SERPENT_SBOXES } from '../../../src/crypto/serpent-sboxes.js';
import vectors from '../../vectors/legacy-cbc-ciphers.json' with { type: 'json' };

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The S-boxes as printed in the Serpent proposal (§2, Appendix A.1). */
const TABLES = [
  [3, 8, 15, 1, 10, 6, 5, 11, 14, 13, 4, 2, 7, 0, 9, 12],
  [15, 12, 2, 7, 9, 0, 5, 10, 1, 11, 14, 8, 6, 13, 3, 4],
  [8, 6, 7, 9, 3, 12, 10, 15, 13, 1, 14, 4, 0, 11, 5, 2],
  [0, 15, 11, 8, 12, 9, 6, 3, 13, 1, 2, 4, 10, 7, 5, 14],
  [1, 15, 8, 3, 12, 0, 11, 6, 2, 5, 4, 10, 9, 14, 7, 13],
  [15, 5, 2, 11, 4, 10, 9, 12, 0, 3, 14, 8, 13, 6, 7, 1],
  [7, 2, 12, 5, 8, 4, 6, 11, 14, 9, 1, 15, 13, 3, 10, 0],
  [1, 13, 15, 0, 14, 8, 2, 11, 7, 4, 12, 10, 9, 3, 5, 6],
];

/** Bitsliced words whose bit j (j = 0..31) holds nibble `nibbles[j]`. */
function slice(nibbles: readonly number[]): Uint32Array {
  const st = new Uint32Array(4);
  nibbles.forEach((n, j) => {
    for (let k = 0; k < 4; k++) st[k] = st[k]! | (((n >> k) & 1) << j);
  });
  return st;
}

describe('Serpent S-boxes', () => {
  // Every nibble appears twice among the 32 bit positions.
  const inputs = Array.from({ length: 32 }, (_, j) => (j * 7) & 15);

  it.each(TABLES.map((t, i) => [i, t] as const))(
    'S%i matches the proposal table, and its inverse undoes it',
    (i, table) => {
      const st = slice(inputs);
      SERPENT_SBOXES[i]!(st);
      expect(Array.from(st)).toEqual(Array.from(slice(inputs.map((n) => table[n]!))));
      SERPENT_INVERSE_SBOXES[i]!(st);
      expect(Array.from(st)).toEqual(Array.from(slice(inputs)));
    },
  );
});

describe('Serpent (NESSIE vectors)', () => {
  it.each(vectors.serpent.ecb)('key $key: $plaintext → $ciphertext', (v) => {
    const s = new Serpent(hex(v.key));
    const block = hex(v.plaintext);
    s.encryptBlock(block, 0);
    expect(toHex(block)).toBe(v.ciphertext);
    s.decryptBlock(block, 0);
    expect(toHex(block)).toBe(v.plaintext);
  });

  it.each(vectors.serpent.ecb.filter((v) => 'iterated100' in v))('key $key: iterated 100 times', (v) => {
    const s = new Serpent(hex(v.key));
    const block = hex(v.plaintext);
    for (let i = 0; i < 100; i++) s.encryptBlock(block, 0);
    expect(toHex(block)).toBe((v as { iterated100: string }).iterated100);
    for (let i = 0; i < 100; i++) s.decryptBlock(block, 0);
    expect(toHex(block)).toBe(v.plaintext);
  });

  it('decrypts what it encrypts for random 256-bit keys and blocks', () => {
    for (let i = 0; i < 200; i++) {
      const s = new Serpent(randomBytes(32));
      const block = Uint8Array.from(randomBytes(16));
      const copy = block.slice();
      s.encryptBlock(block, 0);
      expect(block).not.toEqual(copy);
      s.decryptBlock(block, 0);
      expect(block).toEqual(copy);
    }
  });

  it('refuses empty and over-long keys and out-of-range blocks', () => {
    expect(() => new Serpent(new Uint8Array(0))).toThrow(RangeError);
    expect(() => new Serpent(new Uint8Array(33))).toThrow(RangeError);
    expect(() => new Serpent(new Uint8Array(32)).encryptBlock(new Uint8Array(16), 1)).toThrow(RangeError);
  });
});
