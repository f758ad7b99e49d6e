import { describe, expect, it } from 'vitest';
import { asBuffer } from '../../../src/util/as-buffer.js';

describe('asBuffer', () => {
  it('returns a Buffer as it is', () => {
    const b = Buffer.from([1, 2, 3]);
    expect(asBuffer(b)).toBe(b);
  });

  it('views a Uint8Array without copying it', () => {
    const store = new Uint8Array([0, 1, 2, 3, 4]);
    const view = asBuffer(store.subarray(1, 4));
    expect(Buffer.isBuffer(view)).toBe(true);
    expect([...view]).toEqual([1, 2, 3]);
    store[2] = 9;
    expect(view[1]).toBe(9);
  });
});
