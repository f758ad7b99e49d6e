import { describe, expect, it } from 'vitest';
import { KeyFormatError, parsePublicKeyFile } from '../../../src/keys/index.js';
import { PublicKeyCache } from '../../../src/keys/public-key-cache.js';
import { fixtures, readFixture } from './fixtures.js';

const blobs = fixtures
  .filter((f) => f.publicKeyFile !== undefined)
  .map((f) => Buffer.from(parsePublicKeyFile(readFixture(f.publicKeyFile!)).blob));

describe('PublicKeyCache', () => {
  it('decodes a blob once, wherever its bytes lie, into a frozen key', () => {
    const cache = new PublicKeyCache();
    const blob = blobs[0]!;
    const key = cache.parse(blob);
    expect(Object.isFrozen(key)).toBe(true);
    expect(Buffer.from(key.blob).equals(blob)).toBe(true);
    // The same bytes inside a larger buffer (as in a packet) are the same key.
    const packet = Buffer.concat([Buffer.from('prefix'), blob, Buffer.from('suffix')]);
    expect(cache.parse(packet.subarray(6, 6 + blob.length))).toBe(key);
    expect(cache.size).toBe(1);
  });

  it('keeps the most recently used keys up to its size', () => {
    expect(blobs.length).toBeGreaterThanOrEqual(3);
    const cache = new PublicKeyCache(2);
    const [a, b, c] = blobs as [Buffer, Buffer, Buffer];
    const keyA = cache.parse(a);
    const keyB = cache.parse(b);
    expect(cache.parse(a)).toBe(keyA); // a is now the most recent
    cache.parse(c); // so b goes
    expect(cache.size).toBe(2);
    expect(cache.parse(a)).toBe(keyA);
    const keyB2 = cache.parse(b);
    expect(keyB2).not.toBe(keyB);
    expect(keyB2.keyObject.equals(keyB.keyObject)).toBe(true);
  });

  it('throws for a blob that is not a key, and keeps nothing for it', () => {
    const cache = new PublicKeyCache();
    const truncated = blobs[0]!.subarray(0, blobs[0]!.length - 1);
    expect(() => cache.parse(truncated)).toThrow(KeyFormatError);
    expect(() => cache.parse(truncated)).toThrow(KeyFormatError);
    expect(cache.size).toBe(0);
  });
});
