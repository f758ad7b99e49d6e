import { createCipheriv, createDecipheriv } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { createAesCtr } from '../../../src/algorithms/cipher/aes-ctr.js';
import { createAesGcm } from '../../../src/algorithms/cipher/aes-gcm.js';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import type { BlockCipherAlgorithm } from '../../../src/algorithms/types.js';
import { type DisconnectError, DisconnectReason } from '../../../src/protocol/index.js';
import ctrVectors from '../../vectors/aes-ctr-sp800-38a.json' with { type: 'json' };
import gcmVectors from '../../vectors/aes-gcm-mcgrew-viega.json' with { type: 'json' };
import { cipherBackends } from './cipher-backends.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const mode = (keyHex: string): string => `aes-${keyHex.length * 4}-gcm`;

describe.each(cipherBackends)('AES-CTR (NIST SP 800-38A F.5) on $backend', ({ native }) => {
  it.each(ctrVectors.vectors)('$name via $cipher', (v) => {
    const keyLength = v.key.length / 2;
    const alg = createAesCtr(v.cipher, `aes-${keyLength * 8}-ctr`, keyLength, native);
    const enc = alg.create('encrypt', hex(v.key), hex(v.counter));
    // Two calls: the counter must carry across packets on one stream.
    const pt = hex(v.plaintext);
    const ct = Buffer.concat([enc.update(pt.subarray(0, 32)), enc.update(pt.subarray(32))]);
    expect(toHex(ct)).toBe(v.ciphertext);
    expect(toHex(pt)).toBe(v.plaintext); // encryption leaves the plaintext alone
    const dec = alg.create('decrypt', hex(v.key), hex(v.counter));
    expect(toHex(dec.update(ct))).toBe(v.plaintext);
  });
});

describe('the default registry’s AES-CTR records', () => {
  it.each(ctrVectors.vectors)('$name via $cipher', (v) => {
    const alg = createDefaultRegistries().cipher.get(v.cipher) as BlockCipherAlgorithm;
    expect(toHex(alg.create('encrypt', hex(v.key), hex(v.counter)).update(hex(v.plaintext)))).toBe(
      v.ciphertext,
    );
  });
});

describe('AES-GCM primitives (McGrew & Viega test cases)', () => {
  it.each(gcmVectors.vectors)('$name with node:crypto', (v) => {
    const c = createCipheriv(mode(v.key) as 'aes-128-gcm', hex(v.key), hex(v.iv));
    c.setAAD(hex(v.aad));
    const ct = Buffer.concat([c.update(hex(v.plaintext)), c.final()]);
    expect(toHex(ct)).toBe(v.ciphertext);
    expect(toHex(c.getAuthTag())).toBe(v.tag);
    const d = createDecipheriv(mode(v.key) as 'aes-128-gcm', hex(v.key), hex(v.iv));
    d.setAAD(hex(v.aad));
    d.setAuthTag(hex(v.tag));
    expect(toHex(Buffer.concat([d.update(ct), d.final()]))).toBe(v.plaintext);
  });

  it.each(gcmVectors.vectors)('$name with the independent @noble/ciphers GCM used below', (v) => {
    const out = gcm(hex(v.key), hex(v.iv), hex(v.aad)).encrypt(hex(v.plaintext));
    expect(toHex(out)).toBe(v.ciphertext + v.tag);
  });
});

describe.each(cipherBackends)('aes-gcm@openssh.com packets (RFC 5647 §7) on $backend', ({ native }) => {
  const aes128Gcm = createAesGcm('aes128-gcm@openssh.com', 'aes-128-gcm', 16, native);
  const aes256Gcm = createAesGcm('aes256-gcm@openssh.com', 'aes-256-gcm', 32, native);
  const packet = (n: number, fill: number): Buffer => {
    const p = Buffer.alloc(4 + n, fill);
    p.writeUInt32BE(n, 0);
    return p;
  };

  it.each([
    { alg: aes128Gcm, keyHex: gcmVectors.vectors[1]!.key },
    { alg: aes256Gcm, keyHex: gcmVectors.vectors[3]!.key },
  ])('$alg.name: the length is AAD and the invocation counter advances per packet', ({ alg, keyHex }) => {
    const key = hex(keyHex);
    // The vectors' IV, with the invocation counter close to a 32-bit carry.
    const iv = hex('cafebabe' + '00000000fffffffe');
    const sealer = alg.create('encrypt', key, iv);
    const opener = alg.create('decrypt', key, iv);
    const nonces = ['cafebabe00000000fffffffe', 'cafebabe00000000ffffffff', 'cafebabe0000000100000000'];
    nonces.forEach((nonce, i) => {
      const plain = packet(32 + 16 * i, 0x30 + i);
      const expected = gcm(key, hex(nonce), plain.subarray(0, 4)).encrypt(plain.subarray(4));
      const sealed = sealer.seal(i, plain);
      expect(toHex(sealed)).toBe(toHex(plain.subarray(0, 4)) + toHex(expected));
      expect(opener.decryptLength(i, sealed.subarray(0, 4))).toBe(plain.length - 4);
      // open may decrypt over the packet's own bytes: give it a copy.
      expect(toHex(opener.open(i, Buffer.from(sealed)))).toBe(toHex(plain.subarray(4)));
    });
  });

  it('wraps the invocation counter modulo 2^64', () => {
    const key = Buffer.alloc(16, 1);
    const iv = hex('01020304ffffffffffffffff');
    const sealer = aes128Gcm.create('encrypt', key, iv);
    const plain = packet(16, 0);
    sealer.seal(0, plain);
    const expected = gcm(key, hex('010203040000000000000000'), plain.subarray(0, 4)).encrypt(
      plain.subarray(4),
    );
    expect(toHex(sealer.seal(1, plain).subarray(4))).toBe(toHex(expected));
  });

  it('refuses a flipped bit in the length, body or tag with MAC_ERROR', () => {
    const key = Buffer.alloc(32, 9);
    const iv = Buffer.alloc(12, 3);
    const sealed = aes256Gcm.create('encrypt', key, iv).seal(0, packet(32, 0x55));
    for (let bit = 0; bit < sealed.length * 8; bit += 5) {
      const bad = Buffer.from(sealed);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      let err: unknown;
      try {
        aes256Gcm.create('decrypt', key, iv).open(0, bad);
      } catch (e) {
        err = e;
      }
      expect((err as DisconnectError).reason).toBe(DisconnectReason.MacError);
    }
  });
});
