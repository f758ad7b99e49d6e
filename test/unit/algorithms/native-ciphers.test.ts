import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAesGcm } from '../../../src/algorithms/cipher/aes-gcm.js';
import { createChaCha20Poly1305 } from '../../../src/algorithms/cipher/chacha20-poly1305.js';
import {
  loadNativePacketCrypto,
  NATIVE_CRYPTO_ENV,
  nativePacketCrypto,
  type NativeCipherHandle,
  type NativePacketCrypto,
} from '../../../src/algorithms/cipher/native.js';
import type { AeadCipherAlgorithm } from '../../../src/algorithms/types.js';

const switchedOff = process.env[NATIVE_CRYPTO_ENV] === '0';

describe('loading the native packet ciphers', () => {
  it.skipIf(switchedOff)('is built by npm ci and loads in this checkout', () => {
    expect(nativePacketCrypto).toBeDefined();
  });

  it(`is switched off by ${NATIVE_CRYPTO_ENV}=0`, () => {
    expect(loadNativePacketCrypto({ [NATIVE_CRYPTO_ENV]: '0' })).toBeUndefined();
  });
});

const native = nativePacketCrypto;

/** The three AEAD algorithms, each on both implementations. */
const pairs = (n: NativePacketCrypto): [AeadCipherAlgorithm, AeadCipherAlgorithm][] => [
  [
    createAesGcm('aes128-gcm@openssh.com', 'aes-128-gcm', 16, n),
    createAesGcm('aes128-gcm@openssh.com', 'aes-128-gcm', 16, undefined),
  ],
  [
    createAesGcm('aes256-gcm@openssh.com', 'aes-256-gcm', 32, n),
    createAesGcm('aes256-gcm@openssh.com', 'aes-256-gcm', 32, undefined),
  ],
  [createChaCha20Poly1305(n), createChaCha20Poly1305(undefined)],
];

/** A plaintext packet of `n` bytes after the length field, filled with random bytes. */
function packet(n: number): Buffer {
  const p = randomBytes(4 + n);
  p.writeUInt32BE(n, 0);
  return p;
}

describe.skipIf(!native)('the native packet ciphers against node:crypto', () => {
  it.each(pairs(native!).map(([fast, reference]) => ({ fast, reference, name: fast.name })))(
    '$name: the same packets, each side opening the other’s, over many sizes and sequence numbers',
    ({ fast, reference }) => {
      const key = randomBytes(64);
      const iv = randomBytes(12);
      const sealers = [fast.create('encrypt', key, iv), reference.create('encrypt', key, iv)];
      const openers = [reference.create('decrypt', key, iv), fast.create('decrypt', key, iv)];
      const sizes = [16, 17, 31, 32, 48, 1000, 32 * 1024 + 16, 256 * 1024 - 4];
      let seq = 0xfffffff0;
      for (let round = 0; round < 40; round++) {
        const plain = packet(sizes[round % sizes.length]!);
        const sealed = sealers.map((s) => Buffer.from(s.seal(seq, plain)));
        expect(sealed[0]!.equals(sealed[1]!)).toBe(true);
        openers.forEach((o, i) => {
          const wire = Buffer.from(sealed[i]!);
          expect(o.decryptLength(seq, wire.subarray(0, 4))).toBe(plain.length - 4);
          expect(Buffer.from(o.open(seq, wire)).equals(plain.subarray(4))).toBe(true);
        });
        seq = (seq + 1) >>> 0;
      }
    },
  );

  it('decrypts over the packet’s own bytes, and only once the tag verified (chacha20-poly1305)', () => {
    const [fast] = pairs(native!)[2]!;
    const key = randomBytes(64);
    const plain = packet(64);
    const wire = Buffer.from(fast.create('encrypt', key, new Uint8Array(0)).seal(5, plain));
    const bad = Buffer.from(wire);
    bad[10]! ^= 1;
    const untouched = Buffer.from(bad);
    expect(() => fast.create('decrypt', key, new Uint8Array(0)).open(5, bad)).toThrow(
      /authentication failed/,
    );
    expect(bad.equals(untouched)).toBe(true);

    const body = fast.create('decrypt', key, new Uint8Array(0)).open(5, wire);
    expect(body.buffer).toBe(wire.buffer);
    expect(body.byteOffset).toBe(wire.byteOffset + 4);
    expect(Buffer.from(body).equals(plain.subarray(4))).toBe(true);
  });

  it('refuses bad arguments with an error instead of reading or writing out of bounds', () => {
    const n = native!;
    const gcm = n.createGcm(randomBytes(16), randomBytes(12), true);
    const chacha = n.createChaCha(randomBytes(64));
    const plain = packet(32);
    expect(() => n.gcmSeal(gcm, plain, Buffer.alloc(plain.length))).toThrow(/plain.length \+ 16/);
    expect(() => n.gcmSeal(gcm, Buffer.alloc(3), Buffer.alloc(19))).toThrow(/plain.length \+ 16/);
    expect(() => n.gcmOpen(gcm, Buffer.alloc(19), Buffer.alloc(0))).toThrow(/packet.length - 20/);
    expect(() => n.chachaSeal(chacha, 0, plain, Buffer.alloc(plain.length + 15))).toThrow();
    expect(() => n.chachaOpen(chacha, 0, Buffer.alloc(40), Buffer.alloc(21))).toThrow();
    expect(() => n.chachaLength(chacha, 0, Buffer.alloc(3))).toThrow();
    // A handle of the other kind, or something that is not a handle at all.
    expect(() => n.gcmSeal(chacha, plain, Buffer.alloc(plain.length + 16))).toThrow();
    expect(() => n.chachaSeal(gcm, 0, plain, Buffer.alloc(plain.length + 16))).toThrow();
    expect(() => n.gcmSeal({} as NativeCipherHandle, plain, Buffer.alloc(plain.length + 16))).toThrow();
    expect(() => n.gcmSeal(gcm, 'text' as unknown as Uint8Array, Buffer.alloc(20))).toThrow();
    expect(() => n.gcmSeal(gcm, new Uint16Array(16) as unknown as Uint8Array, Buffer.alloc(48))).toThrow();
    // Keys and nonces of the wrong size.
    expect(() => n.createGcm(randomBytes(24), randomBytes(12), true)).toThrow(/16- or 32-byte key/);
    expect(() => n.createGcm(randomBytes(16), randomBytes(16), true)).toThrow(/12-byte IV/);
    expect(() => n.createChaCha(randomBytes(32))).toThrow(/64-byte key/);
  });
});
