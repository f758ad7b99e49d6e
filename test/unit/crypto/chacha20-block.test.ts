import { createCipheriv, randomBytes } from 'node:crypto';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { ChaCha20Block } from '../../../src/crypto/chacha20-block.js';
import rfc8439 from '../../vectors/chacha20-poly1305-rfc8439.json' with { type: 'json' };

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('ChaCha20Block', () => {
  it.each(rfc8439.chacha20Blocks)('RFC 8439 A.1: $name', ({ key, nonce, counter, keystream }) => {
    // Every A.1 nonce is zero but for its last 4 bytes, state word 15.
    expect(nonce.slice(0, 16)).toBe('0000000000000000');
    const out = new Uint8Array(64);
    new ChaCha20Block(hex(key)).keystream(counter, 0, hex(nonce).readInt32LE(8), out);
    expect(toHex(out)).toBe(keystream);
  });

  it('matches the original 64-bit-nonce ChaCha20 (@noble/ciphers) and OpenSSL for random keys and nonces', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      const nonce = randomBytes(8);
      const counter = i % 3 === 0 ? 0 : randomBytes(4).readUInt32LE(0);
      const out = new Uint8Array(64);
      new ChaCha20Block(key).keystream(counter, nonce.readInt32LE(0), nonce.readInt32LE(4), out);
      const theirs = chacha20orig(key, nonce, new Uint8Array(64), undefined, counter);
      expect(toHex(out)).toBe(toHex(theirs));
      // OpenSSL's 16-byte IV: word 12 (counter), word 13 (0, the counter's high half), 14, 15.
      const iv = Buffer.concat([Buffer.alloc(8), nonce]);
      iv.writeUInt32LE(counter, 0);
      expect(toHex(out)).toBe(toHex(createCipheriv('chacha20', key, iv).update(Buffer.alloc(64))));
    }
  });

  it('writes only the prefix it is asked for', () => {
    const block = new ChaCha20Block(Buffer.alloc(32, 1));
    const full = new Uint8Array(64);
    block.keystream(0, 0, 5, full);
    for (const n of [0, 4, 32, 63]) {
      const part = new Uint8Array(n);
      block.keystream(0, 0, 5, part);
      expect(toHex(part)).toBe(toHex(full.subarray(0, n)));
    }
  });

  it('rejects a key that is not 32 bytes and an output longer than a block', () => {
    expect(() => new ChaCha20Block(new Uint8Array(16))).toThrow(RangeError);
    expect(() => new ChaCha20Block(new Uint8Array(32)).keystream(0, 0, 0, new Uint8Array(65))).toThrow(
      RangeError,
    );
  });
});
