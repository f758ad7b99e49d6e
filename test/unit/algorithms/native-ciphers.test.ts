import { describe, expect, it } from 'vitest';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { createAesCtr } from '../../../src/algorithms/cipher/aes-ctr.js';
import { createAesGcm } from '../../../src/algorithms/cipher/aes-gcm.js';
import { createChaCha20Poly1305 } from '../../../src/algorithms/cipher/chacha20-poly1305.js';
import {
  loadNativePacketCrypto,
  NATIVE_CRYPTO_ENV,
  nativePacketCrypto,
  type NativeCipherHandle,
  type NativePacketCrypto,
} from '../../../src/algorithms/cipher/native.js';
import { hmacMac } from '../../../src/algorithms/mac/hmac.js';
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

  it.each(pairs(native!).map(([fast]) => ({ fast, name: fast.name })))(
    '$name: sealing in place (the plaintext at the start of the output) gives the same packet',
    ({ fast }) => {
      const key = randomBytes(64);
      const iv = randomBytes(12);
      const apart = fast.create('encrypt', key, iv);
      const inPlace = fast.create('encrypt', key, iv);
      for (const [seq, n] of [
        [0, 32],
        [1, 32 * 1024 + 16],
      ] as const) {
        const plain = packet(n);
        const out = Buffer.alloc(plain.length + 16);
        plain.copy(out);
        inPlace.sealInto!(seq, out.subarray(0, plain.length), out);
        expect(out.equals(Buffer.from(apart.seal(seq, plain)))).toBe(true);
      }
    },
  );

  it.each(pairs(native!).map(([fast]) => ({ fast, name: fast.name })))(
    '$name: sealing from pieces, in place or apart from the output and split anywhere, gives the same packet',
    ({ fast }) => {
      const key = randomBytes(64);
      const iv = randomBytes(12);
      const whole = fast.create('encrypt', key, iv);
      const gathered = fast.create('encrypt', key, iv);
      let seq = 7;
      for (const n of [32, 1000, 32 * 1024 + 16]) {
        const plain = packet(n);
        // The header (length field and more) and the tail lie in the output; the middle, in two
        // pieces split at an odd place and an empty one, lies elsewhere.
        const out = Buffer.alloc(plain.length + 16);
        const head = 9;
        const tail = plain.length - 7;
        const cut = head + Math.floor((tail - head) / 3);
        plain.copy(out, 0, 0, head);
        plain.copy(out, tail, tail);
        const pieces = [
          out.subarray(0, head),
          plain.subarray(head, cut),
          new Uint8Array(0),
          plain.subarray(cut, tail),
          out.subarray(tail, plain.length),
        ];
        gathered.sealInto!(seq, pieces, out);
        expect(out.equals(Buffer.from(whole.seal(seq, plain)))).toBe(true);
        // A length field split across pieces as well.
        const split = Buffer.alloc(plain.length + 16);
        gathered.sealInto!(seq + 1, [plain.subarray(0, 2), plain.subarray(2)], split);
        expect(split.equals(Buffer.from(whole.seal(seq + 1, plain)))).toBe(true);
        seq += 2;
      }
    },
  );

  it('refuses pieces that overlap the output out of place, too many pieces, and no pieces', () => {
    const n = native!;
    const gcm = n.createGcm(randomBytes(16), randomBytes(12), true);
    const chacha = n.createChaCha(randomBytes(64));
    const ctr = n.createCtr(randomBytes(16), randomBytes(16));
    const out = Buffer.alloc(64 + 16);
    // The second piece lies in the output, one byte from its own place.
    const misplaced = [Buffer.alloc(16), out.subarray(17, 65)];
    expect(() => n.gcmSeal(gcm, misplaced, out)).toThrow(/gcmSeal\(handle, plain, out\)/);
    expect(() => n.chachaSeal(chacha, 0, misplaced, out)).toThrow(/chachaSeal/);
    expect(() => n.ctrUpdate(ctr, [Buffer.alloc(16), out.subarray(15, 63)], out.subarray(0, 64))).toThrow(
      /ctrUpdate/,
    );
    const seventeen = Array.from({ length: 17 }, () => Buffer.alloc(4));
    expect(() => n.gcmSeal(gcm, seventeen, Buffer.alloc(68 + 16))).toThrow();
    expect(n.gcmSeal(gcm, seventeen.slice(1), Buffer.alloc(64 + 16))).toBeUndefined();
    expect(() => n.gcmSeal(gcm, [], Buffer.alloc(16))).toThrow();
    expect(() =>
      n.gcmSeal(gcm, [Buffer.alloc(8), 'text' as unknown as Uint8Array], Buffer.alloc(28)),
    ).toThrow();
    expect(() => n.chachaSeal(chacha, 0, [Buffer.alloc(2)], Buffer.alloc(18))).toThrow(/plain.length \+ 16/);
  });

  it.each(pairs(native!).map(([fast]) => ({ fast, name: fast.name })))(
    '$name: opening from pieces, split anywhere (in the length field and the tag too), apart or in place, gives the same body',
    ({ fast }) => {
      const key = randomBytes(64);
      const iv = randomBytes(12);
      const sealer = fast.create('encrypt', key, iv);
      const whole = fast.create('decrypt', key, iv);
      const gathered = fast.create('decrypt', key, iv);
      let seq = 0xfffffffe;
      for (const n of [16, 1000, 32 * 1024 + 16]) {
        const plain = packet(n);
        const total = plain.length + 16;
        // Cuts at 2 (inside the length field), in the body, and 5 bytes before the end (in the tag).
        for (const cuts of [
          [2],
          [4],
          [total - 5],
          [2, 4 + Math.floor(n / 2), total - 5],
          [1, 2, 3, 9, total - 1],
        ]) {
          const wire = Buffer.from(sealer.seal(seq, plain));
          expect(Buffer.from(whole.open(seq, Buffer.from(wire))).equals(plain.subarray(4))).toBe(true);
          const bounds = [0, ...cuts, total];
          const pieces = bounds.slice(1).map((end, i) => Buffer.from(wire.subarray(bounds[i], end)));
          const body = Buffer.alloc(n);
          gathered.openInto!(seq, pieces, body);
          expect(body.equals(plain.subarray(4))).toBe(true);
          // In place: the pieces are views of one buffer whose ciphertext bytes are the body.
          seq = (seq + 1) >>> 0;
          const again = Buffer.from(sealer.seal(seq, plain));
          whole.open(seq, Buffer.from(again));
          const views = bounds.slice(1).map((end, i) => again.subarray(bounds[i], end));
          const own = again.subarray(4, total - 16);
          gathered.openInto!(seq, views, own);
          expect(own.equals(plain.subarray(4))).toBe(true);
          seq = (seq + 1) >>> 0;
        }
      }
    },
  );

  it.each(pairs(native!).map(([fast]) => ({ fast, name: fast.name })))(
    '$name: a packet in pieces with a bad byte anywhere (length, body, tag) is refused',
    ({ fast }) => {
      const key = randomBytes(64);
      const iv = randomBytes(12);
      const plain = packet(64);
      const total = plain.length + 16;
      for (const at of [1, 30, total - 3]) {
        const wire = Buffer.from(fast.create('encrypt', key, iv).seal(3, plain));
        wire[at]! ^= 0x40;
        const pieces = [wire.subarray(0, 2), wire.subarray(2, 40), wire.subarray(40)];
        expect(() => fast.create('decrypt', key, iv).openInto!(3, pieces, Buffer.alloc(64))).toThrow(
          /authentication failed/,
        );
      }
    },
  );

  it('refuses to open into a body that overlaps the packet out of place, or from too many pieces', () => {
    const n = native!;
    const gcm = n.createGcm(randomBytes(16), randomBytes(12), false);
    const chacha = n.createChaCha(randomBytes(64));
    const wire = Buffer.alloc(4 + 64 + 16);
    // The body one byte off the ciphertext's place (a shifted overlap), in one piece and in two.
    expect(() => n.gcmOpen(gcm, wire, wire.subarray(5, 69))).toThrow(/in place or apart/);
    expect(() =>
      n.chachaOpen(chacha, 0, [wire.subarray(0, 10), wire.subarray(10)], wire.subarray(3, 67)),
    ).toThrow(/in place or apart/);
    // The wrong body length, pieces or not.
    expect(() => n.gcmOpen(gcm, [wire.subarray(0, 10), wire.subarray(10)], Buffer.alloc(63))).toThrow(
      /packet.length - 20/,
    );
    const seventeen = Array.from({ length: 17 }, (_, i) => wire.subarray(i * 4, i * 4 + 4));
    expect(() => n.gcmOpen(gcm, [...seventeen, wire.subarray(68)], Buffer.alloc(64))).toThrow();
    expect(() => n.gcmOpen(gcm, [], Buffer.alloc(0))).toThrow();
    // Apart, and exactly in place, are both accepted (the tag just does not verify here).
    expect(n.gcmOpen(gcm, [wire.subarray(0, 10), wire.subarray(10)], Buffer.alloc(64))).toBe(false);
    expect(n.chachaOpen(chacha, 0, [wire.subarray(0, 10), wire.subarray(10)], wire.subarray(4, 68))).toBe(
      false,
    );
  });

  it('AES-CTR: a stream from pieces is the same keystream as from one buffer', () => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const one = createAesCtr('aes128-ctr', 'aes-128-ctr', 16, native).create('encrypt', key, iv);
    const gathered = createAesCtr('aes128-ctr', 'aes-128-ctr', 16, native).create('encrypt', key, iv);
    for (const size of [48, 32 * 1024 + 16]) {
      const data = randomBytes(size);
      const out = Buffer.alloc(size);
      data.copy(out, 0, 0, 5);
      gathered.updateInto!([out.subarray(0, 5), data.subarray(5, 21), data.subarray(21)], out);
      expect(out.equals(Buffer.from(one.update(data)))).toBe(true);
    }
  });

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

  it('AES-CTR: the same keystream as node:crypto across uneven updates; decryption is in place, encryption is not', () => {
    for (const keyLength of [16, 24, 32]) {
      const key = randomBytes(keyLength);
      const iv = Buffer.from('ffffffffffffffffffffffffffffff00', 'hex'); // the counter carries through all 128 bits
      const mode = `aes-${keyLength * 8}-ctr`;
      const reference = createCipheriv(mode, key, iv);
      const algorithm = createAesCtr(mode, mode, keyLength, native);
      const enc = algorithm.create('encrypt', key, iv);
      const dec = algorithm.create('decrypt', key, iv);
      for (const n of [16, 32, 4096, 48, 32 * 1024 + 16, 16]) {
        const plain = randomBytes(n);
        const copy = Buffer.from(plain);
        const sealed = enc.update(plain);
        expect(Buffer.from(sealed).equals(reference.update(plain))).toBe(true);
        expect(plain.equals(copy)).toBe(true);
        const wire = Buffer.from(sealed);
        const opened = dec.update(wire);
        expect(opened.buffer).toBe(wire.buffer);
        expect(Buffer.from(opened).equals(plain)).toBe(true);
      }
    }
  });

  it('HMAC: the same MACs as node:crypto over seq ‖ data ‖ more, truncated, and verified', () => {
    for (const [hash, keyLength, length] of [
      ['sha256', 32, 32],
      ['sha512', 64, 64],
      ['sha1', 20, 20],
      ['sha1', 20, 12],
    ] as const) {
      const key = randomBytes(keyLength);
      const mac = hmacMac('test', hash, keyLength, length, true, native).create(key);
      for (const [seq, n] of [
        [0, 0],
        [1, 100],
        [0xffffffff, 32 * 1024],
      ] as const) {
        const data = randomBytes(n);
        const more = randomBytes(20);
        const seqBytes = Buffer.alloc(4);
        seqBytes.writeUInt32BE(seq, 0);
        const expected = createHmac(hash, key).update(seqBytes).update(data).update(more).digest();
        const tag = mac.compute(seq, data, more);
        expect(Buffer.from(tag).equals(expected.subarray(0, length))).toBe(true);
        const whole = Buffer.concat([data, more]);
        expect(mac.verify(seq, whole, tag)).toBe(true);
        const third = Math.floor(whole.length / 3);
        const pieces = [
          whole.subarray(0, third),
          new Uint8Array(0),
          whole.subarray(third, 2 * third),
          whole.subarray(2 * third),
        ];
        expect(mac.verifyPieces!(seq, pieces, tag)).toBe(true);
        expect(mac.verifyPieces!(seq + 1, pieces, tag)).toBe(false);
        expect(mac.verify(seq ^ 1, whole, tag)).toBe(false);
        expect(mac.verify(seq, whole, tag.subarray(1))).toBe(false);
      }
    }
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
    const ctr = n.createCtr(randomBytes(16), randomBytes(16));
    expect(() => n.ctrUpdate(ctr, Buffer.alloc(32), Buffer.alloc(31))).toThrow(/as long as in/);
    expect(() => n.ctrUpdate(gcm, Buffer.alloc(32), Buffer.alloc(32))).toThrow();
    expect(() => n.createCtr(randomBytes(20), randomBytes(16))).toThrow(/16-, 24- or 32-byte key/);
    expect(() => n.createCtr(randomBytes(16), randomBytes(12))).toThrow(/16-byte IV/);
    const hmac = n.createHmac('sha256', randomBytes(32));
    expect(() => n.hmac(hmac, 0, Buffer.alloc(8), undefined, Buffer.alloc(33))).toThrow(
      /longer than the digest/,
    );
    expect(() => n.hmac(hmac, 0, Buffer.alloc(8), undefined, Buffer.alloc(0))).toThrow();
    expect(() => n.hmac(hmac, -1, Buffer.alloc(8), undefined, Buffer.alloc(32))).not.toThrow(); // uint32 of -1
    expect(() =>
      n.hmac(hmac, 0, Buffer.alloc(8), 'more' as unknown as Uint8Array, Buffer.alloc(32)),
    ).toThrow();
    expect(() => n.hmac(ctr, 0, Buffer.alloc(8), undefined, Buffer.alloc(32))).toThrow();
    expect(() => n.createHmac('no-such-digest', randomBytes(32))).toThrow(/HMAC key setup failed/);
    expect(() => n.createHmac('x'.repeat(100), randomBytes(32))).toThrow();
  });
});
