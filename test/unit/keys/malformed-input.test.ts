// Catalogue F5/B08: key and signature blobs from a peer never make parsing throw anything but a
// KeyFormatError, and never make verification throw or pass.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signatureAlgorithms } from '../../../src/algorithms/hostkey/index.js';
import {
  KeyFormatError,
  parsePrivateKey,
  parsePublicKeyBlob,
  parsePublicKeyLine,
} from '../../../src/keys/index.js';
import { readFixture } from './fixtures.js';

const keys = ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa-2048'].map((f) =>
  parsePrivateKey(readFixture(f)),
);
const data = Buffer.from('signed data');

/** A blob with a few bytes overwritten, truncated or extended. */
const mutated = (blobs: Uint8Array[]) =>
  fc
    .record({
      i: fc.nat(blobs.length - 1),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.option(fc.nat()),
      extra: fc.uint8Array({ maxLength: 4 }),
    })
    .map(({ i, edits, cut, extra }) => {
      const b = Buffer.from(blobs[i]!);
      for (const [at, v] of edits) b[at % b.length] = v;
      const c = cut === null ? b : b.subarray(0, cut % (b.length + 1));
      return Buffer.concat([c, extra]);
    });

describe('malformed keys and signatures', () => {
  it('parsePublicKeyBlob throws only KeyFormatError, for random and mutated blobs', () => {
    const blobs = keys.map((k) => k.publicKey.blob);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(blobs)), (blob) => {
        try {
          const k = parsePublicKeyBlob(blob);
          // Anything that parses is canonical: it re-encodes to the same bytes.
          expect(Buffer.from(k.blob).equals(Buffer.from(blob))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(KeyFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parsePublicKeyLine throws only KeyFormatError for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (line) => {
        try {
          parsePublicKeyLine(line);
        } catch (err) {
          expect(err).toBeInstanceOf(KeyFormatError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('verify never throws and never accepts a mutated signature', () => {
    // Security keys never sign here: test/unit/algorithms/security-key.test.ts flips their bits.
    for (const { algorithm: alg } of signatureAlgorithms.filter((e) => !e.algorithm.securityKeyDetails)) {
      const key = keys.find((k) => k.type === alg.keyType)!;
      const good = alg.sign(key, data);
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated([good])), (sig) => {
          const ok = alg.verify(key.publicKey, data, sig);
          if (ok) expect(Buffer.from(sig).equals(Buffer.from(good))).toBe(true);
        }),
        { numRuns: 300 },
      );
    }
  });
});
