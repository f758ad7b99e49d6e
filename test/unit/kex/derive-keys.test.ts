import { describe, expect, it } from 'vitest';
import vectors from '../../vectors/ssh-kdf-cavs.json' with { type: 'json' };
import { deriveKey, type KexHash } from '../../../src/kex/derive-keys.js';

describe('RFC 4253 §7.2 key derivation (NIST CAVS SSH KDF vectors)', () => {
  for (const [i, v] of vectors.vectors.entries()) {
    for (const [letter, expected] of Object.entries(v.out)) {
      it(`vector ${i} (${v.hash}) key ${letter}`, () => {
        const out = deriveKey(
          v.hash as KexHash,
          Buffer.from(v.K, 'hex'),
          Buffer.from(v.H, 'hex'),
          letter as 'A',
          Buffer.from(v.sessionId, 'hex'),
          expected.length / 2,
        );
        expect(out.toString('hex')).toBe(expected);
      });
    }
  }

  it('extends past one digest by hashing K || H || K1 ...', () => {
    const k = Buffer.from('00000001ff', 'hex');
    const long = deriveKey('sha256', k, Buffer.alloc(32, 1), 'C', Buffer.alloc(32, 2), 100);
    expect(long.length).toBe(100);
    expect(long.subarray(0, 32)).toEqual(
      deriveKey('sha256', k, Buffer.alloc(32, 1), 'C', Buffer.alloc(32, 2), 32),
    );
  });
});
