import { describe, expect, it } from 'vitest';
import { unpooledCopies, unpooledCopy } from '../../../src/util/unpooled.js';

describe('unpooledCopy', () => {
  it('copies small buffers into an ArrayBuffer of their own, not a slice of the shared 8 KiB pool', () => {
    const pooled = Buffer.from([1, 2, 3, 4]);
    expect(pooled.buffer.byteLength).toBeGreaterThan(4); // what Buffer.from does for small sizes
    const own = unpooledCopy(pooled);
    expect(own.equals(pooled)).toBe(true);
    expect(own.buffer.byteLength).toBe(4);
    expect(own.byteOffset).toBe(0);
    pooled[0] = 9;
    expect(own[0]).toBe(1);
  });
});

describe('unpooledCopies', () => {
  it('copies each part into one ArrayBuffer of their own', () => {
    const key = Buffer.from([1, 2, 3]);
    const iv = Buffer.from([4, 5]);
    const [k, v] = unpooledCopies(key, iv);
    expect([...k!]).toEqual([1, 2, 3]);
    expect([...v!]).toEqual([4, 5]);
    expect(k!.buffer).toBe(v!.buffer);
    expect(k!.buffer.byteLength).toBe(5);
    key[0] = 9;
    v![0] = 7;
    expect(k![0]).toBe(1);
    expect(iv[0]).toBe(4);
  });
});
