import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { DisconnectError, DisconnectReason } from '../../../src/protocol/index.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A well-formed plaintext packet: uint32 length, padding length, payload, padding to the block size. */
function packet(payloadLength: number, blockSize: number, lengthInClear: boolean): Buffer {
  const aligned = lengthInClear ? 1 + payloadLength : 4 + 1 + payloadLength;
  let padding = blockSize - (aligned % blockSize);
  if (padding < 4) padding += blockSize;
  const length = 1 + payloadLength + padding;
  const p = randomBytes(4 + length);
  p.writeUInt32BE(length, 0);
  p[4] = padding;
  return p;
}

describe('every registered cipher', () => {
  for (const { algorithm } of createDefaultRegistries().cipher.list()) {
    const key = randomBytes(algorithm.keyLength);
    const iv = randomBytes(algorithm.ivLength);

    if (algorithm.kind === 'aead') {
      it(`${algorithm.name}: packets round-trip in order and a flipped bit is MAC_ERROR`, () => {
        expect(algorithm.blockSize).toBeGreaterThanOrEqual(8);
        const sealer = algorithm.create('encrypt', key, iv);
        const opener = algorithm.create('decrypt', key, iv);
        for (let seq = 0; seq < 20; seq++) {
          const plain = packet(seq * 97, algorithm.blockSize, true);
          const expected = toHex(plain.subarray(4));
          const wire = sealer.seal(seq, plain);
          expect(wire.length).toBe(plain.length + sealer.tagLength);
          expect(opener.decryptLength(seq, wire.subarray(0, 4))).toBe(plain.length - 4);
          expect(toHex(opener.open(seq, wire))).toBe(expected);
        }
        // Fresh instances start from the same state, so each tampered packet is the first one.
        const wire = algorithm.create('encrypt', key, iv).seal(0, packet(40, algorithm.blockSize, true));
        const tagStart = wire.length - sealer.tagLength;
        for (const at of [0, 3, 4, tagStart - 1, tagStart, wire.length - 1]) {
          const bad = Buffer.from(wire);
          bad[at]! ^= 0x10;
          let err: unknown;
          try {
            algorithm.create('decrypt', key, iv).open(0, bad);
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(DisconnectError);
          expect((err as DisconnectError).reason).toBe(DisconnectReason.MacError);
        }
        expect(toHex(algorithm.create('decrypt', key, iv).open(0, wire)).length).toBeGreaterThan(0);
      });
    } else {
      it(`${algorithm.name}: a stream carries across calls and decrypts`, () => {
        expect(algorithm.blockSize % 8).toBe(0);
        const enc = algorithm.create('encrypt', key, iv);
        const dec = algorithm.create('decrypt', key, iv);
        const chunks = [1, 2, 5, 64].map((blocks) => randomBytes(blocks * algorithm.blockSize));
        // update() may transform its input in place, so it gets copies.
        const ct = chunks.map((c) => Buffer.from(enc.update(Buffer.from(c))));
        expect(toHex(Buffer.concat(ct))).not.toBe(toHex(Buffer.concat(chunks)));
        const back = dec.update(Buffer.concat(ct.slice(0, 2)));
        const rest = dec.update(Buffer.concat(ct.slice(2)));
        expect(toHex(back) + toHex(rest)).toBe(toHex(Buffer.concat(chunks)));
      });
    }
  }
});
