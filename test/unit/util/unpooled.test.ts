import { describe, expect, it } from 'vitest';
import { unpooledCopy } from '../../../src/util/unpooled.js';

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
