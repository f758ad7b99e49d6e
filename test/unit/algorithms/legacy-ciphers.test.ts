import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { legacyCipherAlgorithms } from '../../../src/algorithms/cipher/legacy.js';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import type { BlockCipherAlgorithm } from '../../../src/algorithms/types.js';
import vectors from '../../vectors/legacy-cbc-ciphers.json' with { type: 'json' };

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ b[i]!);

function cipher(name: string): BlockCipherAlgorithm {
  const alg = createDefaultRegistries().cipher.get(name);
  if (alg?.kind !== 'block') throw new Error(`${name} is not a registered block cipher`);
  return alg;
}

/** Encrypts (or decrypts) `data` on one stream, cut into calls at the block boundaries in `cuts`. */
function run(
  alg: BlockCipherAlgorithm,
  dir: 'encrypt' | 'decrypt',
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  cuts: number[] = [],
): string {
  const stream = alg.create(dir, key, iv);
  const parts: string[] = [];
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    parts.push(toHex(stream.update(data.slice(at, cut))));
    at = cut;
  }
  return parts.join('');
}

/**
 * Turns ECB vectors C_i = E(P_i) into a CBC check: with IV v, CBC encryption of P'_1 = P_1 ^ v and
 * P'_i = P_i ^ C_(i-1) must output exactly C_1..C_n, which exercises the chaining.
 */
function cbcFromEcb(bs: number, iv: Uint8Array, pt: Uint8Array, ct: Uint8Array): Uint8Array {
  const out = new Uint8Array(pt.length);
  for (let off = 0; off < pt.length; off += bs) {
    const prev = off === 0 ? iv : ct.subarray(off - bs, off);
    out.set(xor(pt.subarray(off, off + bs), prev), off);
  }
  return out;
}

const RFC4253_SIZES: Record<string, [key: number, block: number]> = {
  'aes128-cbc': [16, 16],
  'aes192-cbc': [24, 16],
  'aes256-cbc': [32, 16],
  '3des-cbc': [24, 8],
  'blowfish-cbc': [16, 8],
  'cast128-cbc': [16, 8],
  'serpent256-cbc': [32, 16],
};

describe('legacy CBC cipher registry entries', () => {
  it('registers exactly the RFC 4253 §6.3 names with their key and block sizes, all legacy', () => {
    const names = legacyCipherAlgorithms.map((e) => e.algorithm.name);
    expect(names).toEqual(Object.keys(RFC4253_SIZES));
    for (const { algorithm, status } of legacyCipherAlgorithms) {
      expect(status).toBe('legacy');
      expect(algorithm.kind).toBe('block');
      const [key, block] = RFC4253_SIZES[algorithm.name]!;
      expect([algorithm.keyLength, algorithm.blockSize, algorithm.ivLength]).toEqual([key, block, block]);
    }
  });

  it('offers none of them by default', () => {
    const registry = createDefaultRegistries().cipher;
    const defaults = registry.names('default');
    for (const name of Object.keys(RFC4253_SIZES)) {
      expect(defaults).not.toContain(name);
      expect(registry.statusOf(name)).toBe('legacy');
    }
  });
});

describe('legacy CBC ciphers: published and independent CBC vectors', () => {
  it.each(vectors.cbc)('$cipher ($source)', (v) => {
    const alg = cipher(v.cipher);
    const pt = hex(v.plaintext);
    const ct = hex(v.ciphertext);
    const bs = alg.blockSize;
    expect(run(alg, 'encrypt', hex(v.key), hex(v.iv), pt)).toBe(v.ciphertext);
    // The same stream cut into several calls: CBC state must carry from call to call.
    const cuts = [bs, 3 * bs].filter((c) => c < pt.length);
    expect(run(alg, 'encrypt', hex(v.key), hex(v.iv), pt, cuts)).toBe(v.ciphertext);
    expect(run(alg, 'decrypt', hex(v.key), hex(v.iv), ct, cuts)).toBe(v.plaintext);
  });
});

describe('legacy CBC ciphers: ECB vectors chained into CBC', () => {
  const iv8 = hex('0f1e2d3c4b5a6978');
  const iv16 = hex('00112233445566778899aabbccddeeff');

  it('3des-cbc with the SP 800-67 three-block example', () => {
    const alg = cipher('3des-cbc');
    for (const v of vectors.tripleDes.ecb) {
      const pt = cbcFromEcb(8, iv8, hex(v.plaintext), hex(v.ciphertext));
      expect(run(alg, 'encrypt', hex(v.key), iv8, pt, [8])).toBe(v.ciphertext);
      expect(run(alg, 'decrypt', hex(v.key), iv8, hex(v.ciphertext), [16])).toBe(toHex(pt));
    }
  });

  it('cast128-cbc with the RFC 2144 128-bit vector', () => {
    const alg = cipher('cast128-cbc');
    const v = vectors.cast128.ecb[0]!;
    const pt = cbcFromEcb(8, iv8, hex(v.plaintext), hex(v.ciphertext));
    expect(run(alg, 'encrypt', hex(v.key), iv8, pt)).toBe(v.ciphertext);
    expect(run(alg, 'decrypt', hex(v.key), iv8, hex(v.ciphertext))).toBe(toHex(pt));
  });

  it('serpent256-cbc with the 256-bit NESSIE vectors, iterated 100 times as a 100-block CBC chain', () => {
    const alg = cipher('serpent256-cbc');
    for (const v of vectors.serpent.ecb) {
      if (v.key.length !== 64) continue;
      const first = cbcFromEcb(16, iv16, hex(v.plaintext), hex(v.ciphertext));
      expect(run(alg, 'encrypt', hex(v.key), iv16, first)).toBe(v.ciphertext);
      if (!('iterated100' in v)) continue;
      // With a zero IV, CBC over [P, 0, 0, ...] encrypts P a hundred times in a row.
      const chain = new Uint8Array(16 * 100);
      chain.set(hex(v.plaintext));
      const out = run(alg, 'encrypt', hex(v.key), new Uint8Array(16), chain, [16, 800]);
      expect(out.slice(-32)).toBe((v as { iterated100: string }).iterated100);
      expect(out.slice(0, 32)).toBe(v.ciphertext);
    }
  });
});

describe('legacy CBC ciphers: round trips on one stream per direction', () => {
  it.each(legacyCipherAlgorithms.map((e) => e.algorithm.name))('%s', (name) => {
    const alg = cipher(name);
    const key = randomBytes(alg.keyLength);
    const iv = randomBytes(alg.ivLength);
    const enc = alg.create('encrypt', key, iv);
    const dec = alg.create('decrypt', key, iv);
    for (let packet = 0; packet < 50; packet++) {
      const plain = Uint8Array.from(randomBytes(alg.blockSize * (1 + (packet % 7))));
      const sent = plain.slice();
      const wire = Uint8Array.from(enc.update(sent));
      expect(wire).not.toEqual(plain);
      // The receiver decrypts the first block alone (to read the length), then the rest.
      const head = Uint8Array.from(dec.update(wire.slice(0, alg.blockSize)));
      const rest = wire.length > alg.blockSize ? dec.update(wire.slice(alg.blockSize)) : new Uint8Array(0);
      expect(toHex(head) + toHex(rest)).toBe(toHex(plain));
    }
  });

  it.each(legacyCipherAlgorithms.map((e) => e.algorithm.name))('%s refuses a partial block', (name) => {
    const alg = cipher(name);
    const stream = alg.create('encrypt', randomBytes(alg.keyLength), randomBytes(alg.ivLength));
    expect(() => stream.update(new Uint8Array(alg.blockSize + 1))).toThrow(RangeError);
  });
});
