import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import kat from '../../vectors/sntrup761-kat.json' with { type: 'json' };
import ref from '../../vectors/sntrup761-libntruprime.json' with { type: 'json' };
import { NistKatDrbg } from '../../../src/crypto/nist-drbg.js';
import {
  SNTRUP761_CIPHERTEXT_BYTES,
  SNTRUP761_PUBLIC_KEY_BYTES,
  SNTRUP761_SECRET_KEY_BYTES,
  SNTRUP761_SHARED_SECRET_BYTES,
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keygen,
} from '../../../src/crypto/sntrup761/index.js';
import { differMask, weightForce } from '../../../src/crypto/sntrup761/kem.js';
import { P, W } from '../../../src/crypto/sntrup761/params.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const sha512 = (...parts: Uint8Array[]): string => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** The ChaCha20 keystream (zero nonce, counter 0) under a key of 32 equal bytes. */
function chachaStream(keyByte: number): (n: number) => Uint8Array {
  const cipher = createCipheriv('chacha20', Buffer.alloc(32, keyByte), Buffer.alloc(16));
  return (n) => new Uint8Array(cipher.update(Buffer.alloc(n)));
}

describe('sntrup761 sizes', () => {
  it('matches the submission', () => {
    expect(SNTRUP761_PUBLIC_KEY_BYTES).toBe(1158);
    expect(SNTRUP761_SECRET_KEY_BYTES).toBe(1763);
    expect(SNTRUP761_CIPHERTEXT_BYTES).toBe(1039);
    expect(SNTRUP761_SHARED_SECRET_BYTES).toBe(32);
  });
});

describe('sntrup761 known-answer tests (NTRU Prime round-3 kat_kem.rsp)', () => {
  for (const v of kat.vectors) {
    it(`count = ${v.count}: keypair, enc and dec reproduce pk, sk, ct, ss`, () => {
      const drbg = new NistKatDrbg(Buffer.from(v.seed, 'hex'));
      const { publicKey, secretKey } = sntrup761Keygen(drbg.source);
      expect(hex(publicKey)).toBe(v.pk);
      expect(hex(secretKey)).toBe(v.sk);
      const { ciphertext, sharedSecret } = sntrup761Encapsulate(publicKey, drbg.source);
      expect(hex(ciphertext)).toBe(v.ct);
      expect(hex(sharedSecret)).toBe(v.ss);
      expect(hex(sntrup761Decapsulate(ciphertext, secretKey))).toBe(v.ss);
    });
  }
});

describe('sntrup761 against libntruprime (ChaCha20-driven vectors, incl. implicit rejection)', () => {
  const pair = sntrup761Keygen(chachaStream(parseInt(ref.keygenStreamKeyByte, 16)));
  const enc = sntrup761Encapsulate(pair.publicKey, chachaStream(parseInt(ref.encapStreamKeyByte, 16)));
  const decap = (change: (c: Uint8Array) => void): string => {
    const c = Uint8Array.from(enc.ciphertext);
    change(c);
    return Buffer.from(sntrup761Decapsulate(c, pair.secretKey)).toString('hex');
  };

  it('reproduces pk, sk, ct and ss', () => {
    expect(sha512(pair.publicKey)).toBe(ref.publicKeySha512);
    expect(sha512(pair.secretKey)).toBe(ref.secretKeySha512);
    expect(sha512(enc.ciphertext)).toBe(ref.ciphertextSha512);
    expect(Buffer.from(enc.sharedSecret).toString('hex')).toBe(ref.sharedSecret);
    expect(sha512(pair.publicKey, pair.secretKey, enc.ciphertext, enc.sharedSecret)).toBe(
      ref.transcriptSha512,
    );
    expect(decap(() => undefined)).toBe(ref.sharedSecret);
  });

  it('derives the same rejection keys for altered ciphertexts', () => {
    expect(decap((c) => (c[1038] = c[1038]! ^ 1))).toBe(ref.rejection.confirmationBit);
    expect(decap((c) => (c[0] = c[0]! ^ 1))).toBe(ref.rejection.roundedBit);
    expect(decap((c) => c.fill(0))).toBe(ref.rejection.allZero);
    expect(decap((c) => c.fill(0xff))).toBe(ref.rejection.allFf);
    expect(decap((c) => (c[1039 - 33] = c[1039 - 33]! ^ 0x80))).toBe(ref.rejection.roundedBoundary);
  });
});

describe('sntrup761 implicit rejection', () => {
  const pair = sntrup761Keygen();
  const enc = sntrup761Encapsulate(pair.publicKey);
  const rho = pair.secretKey.subarray(382 + 1158, 382 + 1158 + 191);
  /** HashSession(0, rho, ct): the key the specification prescribes on rejection. */
  const rejectionKey = (ct: Uint8Array): string => {
    const inner = createHash('sha512').update(Uint8Array.of(3)).update(rho).digest().subarray(0, 32);
    return createHash('sha512').update(Uint8Array.of(0)).update(inner).update(ct).digest('hex').slice(0, 64);
  };

  it('a tampered ciphertext yields HashSession(0, rho, ct), not the real key, without throwing', () => {
    for (const at of [0, 500, 1006, 1007, 1038]) {
      const bad = Uint8Array.from(enc.ciphertext);
      bad[at] = bad[at]! ^ 0x10;
      const k = sntrup761Decapsulate(bad, pair.secretKey);
      expect(k.length).toBe(32);
      expect(hex(k)).not.toBe(hex(enc.sharedSecret));
      expect(Buffer.from(k).toString('hex')).toBe(rejectionKey(bad));
      // Deterministic for the same input.
      expect(hex(sntrup761Decapsulate(bad, pair.secretKey))).toBe(hex(k));
    }
  });

  it('a ciphertext for another key pair is rejected the same way', () => {
    const other = sntrup761Keygen();
    const k = sntrup761Decapsulate(enc.ciphertext, other.secretKey);
    expect(hex(k)).not.toBe(hex(enc.sharedSecret));
  });

  it('refuses wrong lengths with a RangeError (lengths are public)', () => {
    expect(() => sntrup761Encapsulate(pair.publicKey.subarray(1))).toThrow(RangeError);
    expect(() => sntrup761Decapsulate(enc.ciphertext.subarray(1), pair.secretKey)).toThrow(RangeError);
    expect(() => sntrup761Decapsulate(enc.ciphertext, pair.secretKey.subarray(1))).toThrow(RangeError);
  });

  it('weightForce keeps weight-w vectors and replaces the others by w leading ones', () => {
    const good = new Int8Array(P);
    for (let i = 0; i < W; i++) good[2 * i] = i % 2 ? 1 : -1;
    expect(Array.from(weightForce(good))).toEqual(Array.from(good));
    const light = Int8Array.from(good);
    light[0] = 0;
    const forced = weightForce(light);
    expect(Array.from(forced.subarray(0, W)).every((c) => c === 1)).toBe(true);
    expect(Array.from(forced.subarray(W)).every((c) => c === 0)).toBe(true);
  });

  it('differMask is 0 for equal and -1 for different inputs', () => {
    expect(differMask(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(0);
    expect(differMask(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 0x83))).toBe(-1);
  });
});
