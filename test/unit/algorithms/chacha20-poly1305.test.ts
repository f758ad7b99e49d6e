import { createCipheriv, randomBytes } from 'node:crypto';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { describe, expect, it } from 'vitest';
import { createChaCha20Poly1305, openSshChaChaIv } from '../../../src/algorithms/cipher/chacha20-poly1305.js';
import { Poly1305Engine } from '../../../src/algorithms/cipher/poly1305-wasm.js';
import type { AeadPacketCipher } from '../../../src/algorithms/types.js';
import { DisconnectError, DisconnectReason } from '../../../src/protocol/index.js';
import rfc8439 from '../../vectors/chacha20-poly1305-rfc8439.json' with { type: 'json' };
import openssh from '../../vectors/chacha20-poly1305-openssh.json' with { type: 'json' };
import { cipherBackends } from './cipher-backends.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Node's 16-byte chacha20 IV for an RFC 8439 (32-bit counter, 96-bit nonce) block. */
const rfcIv = (counter: number, nonce: string): Buffer => {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  hex(nonce).copy(iv, 4);
  return iv;
};

describe('ChaCha20 as node exposes it (RFC 8439 A.1)', () => {
  it.each(rfc8439.chacha20Blocks)('$name', ({ key, nonce, counter, keystream }) => {
    const c = createCipheriv('chacha20', hex(key), rfcIv(counter, nonce));
    expect(toHex(c.update(Buffer.alloc(64)))).toBe(keystream);
  });

  it.each(rfc8439.chacha20Blocks)(
    '$name through the OpenSSH (seq, counter) mapping',
    ({ key, nonce, counter, keystream }) => {
      // Every A.1 nonce has zero first 4 bytes and a 32-bit value in the last 4, so it is an OpenSSH
      // nonce (the 64-bit big-endian sequence number) with a 64-bit block counter.
      expect(nonce.slice(0, 16)).toBe('0000000000000000');
      const seq = hex(nonce).readUInt32BE(8);
      const iv = counter <= 1 ? openSshChaChaIv(seq, counter as 0 | 1) : rfcIv(counter, nonce);
      const c = createCipheriv('chacha20', hex(key), iv);
      expect(toHex(c.update(Buffer.alloc(64)))).toBe(keystream);
    },
  );

  it('matches the original 64-bit-nonce ChaCha20 (an independent implementation) for many sequence numbers', () => {
    const key = Buffer.alloc(32, 7);
    for (const seq of [0, 1, 2, 255, 256, 0x01020304, 0x7fffffff, 0xffffffff]) {
      const nonce = Buffer.alloc(8);
      nonce.writeUInt32BE(seq, 4);
      for (const counter of [0, 1] as const) {
        const ours = createCipheriv('chacha20', key, openSshChaChaIv(seq, counter)).update(Buffer.alloc(200));
        const theirs = chacha20orig(key, nonce, new Uint8Array(200), undefined, counter);
        expect(toHex(ours)).toBe(toHex(theirs));
      }
    }
  });
});

describe('Poly1305 in WebAssembly (RFC 8439 §2.5.2, A.3)', () => {
  const engine = new Poly1305Engine();
  it.each(rfc8439.poly1305)('$name', ({ key, message, tag }) => {
    expect(toHex(engine.mac(hex(key), hex(message)))).toBe(tag);
  });

  it('matches @noble/ciphers for every length up to 300 bytes and across chunk boundaries', () => {
    const lengths = [
      ...Array.from({ length: 301 }, (_, i) => i),
      65471,
      65472,
      65473,
      65536,
      200_003,
      262_144,
    ];
    for (const n of lengths) {
      const key = randomBytes(32);
      const msg = randomBytes(n);
      expect(toHex(engine.mac(key, msg))).toBe(toHex(noblePoly1305(msg, key)));
    }
  });

  it('all-ones keys and messages (carries through every limb)', () => {
    const key = Buffer.alloc(32, 0xff);
    for (const n of [16, 17, 64, 1000]) {
      const msg = Buffer.alloc(n, 0xff);
      expect(toHex(engine.mac(key, msg))).toBe(toHex(noblePoly1305(msg, key)));
    }
  });
});

describe.each(cipherBackends)('chacha20-poly1305@openssh.com packets on $backend', ({ native }) => {
  const algorithm = createChaCha20Poly1305(native);
  const aead = (key: Uint8Array): AeadPacketCipher => algorithm.create('encrypt', key, new Uint8Array(0));

  it.each(openssh.vectors)('draft-ietf-sshm-chacha20-poly1305 $name', (v) => {
    const plain = Buffer.concat([hex(v.packetLength), hex(v.plaintext)]);
    const sealed = aead(hex(v.key)).seal(v.seq, plain);
    expect(toHex(sealed)).toBe(v.encryptedLength + v.ciphertext + v.tag);

    const opener = aead(hex(v.key));
    expect(opener.decryptLength(v.seq, sealed.subarray(0, 4))).toBe(hex(v.packetLength).readUInt32BE(0));
    // open may decrypt over the packet's own bytes.
    expect(toHex(opener.open(v.seq, Buffer.from(sealed)))).toBe(v.plaintext);
  });

  it('equals an independent construction from the original ChaCha20 and Poly1305', () => {
    const key = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
    const k2 = key.subarray(0, 32);
    const k1 = key.subarray(32);
    for (const seq of [0, 3, 0x12345678, 0xffffffff]) {
      const body = Buffer.from(Array.from({ length: 1 + 100 + 11 }, (_, i) => (i * seq + 5) & 0xff));
      const plain = Buffer.alloc(4 + body.length);
      plain.writeUInt32BE(body.length, 0);
      body.copy(plain, 4);
      const nonce = Buffer.alloc(8);
      nonce.writeUInt32BE(seq, 4);
      const encLen = chacha20orig(k1, nonce, plain.subarray(0, 4));
      const polyKey = chacha20orig(k2, nonce, new Uint8Array(32));
      const ct = chacha20orig(k2, nonce, body, undefined, 1);
      const tag = noblePoly1305(Buffer.concat([encLen, ct]), polyKey);
      const expected = toHex(Buffer.concat([encLen, ct, tag]));
      expect(toHex(aead(key).seal(seq, plain))).toBe(expected);
    }
  });

  it('round-trips and refuses a flipped bit anywhere in the packet with MAC_ERROR', () => {
    const key = Buffer.alloc(64, 0x42);
    const plain = Buffer.alloc(4 + 48, 0x61);
    plain.writeUInt32BE(48, 0);
    const sealed = aead(key).seal(9, plain);
    expect(toHex(aead(key).open(9, Buffer.from(sealed)))).toBe(toHex(plain.subarray(4)));
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const bad = Buffer.from(sealed);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      let err: unknown;
      try {
        aead(key).open(9, bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DisconnectError);
      expect((err as DisconnectError).reason).toBe(DisconnectReason.MacError);
    }
    // The right packet under the wrong sequence number fails too.
    expect(() => aead(key).open(10, sealed)).toThrow(DisconnectError);
  });
});
