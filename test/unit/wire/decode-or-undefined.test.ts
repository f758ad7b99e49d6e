import { describe, expect, it } from 'vitest';
import { decodeOrUndefined, WireReader } from '../../../src/wire/index.js';

describe('decodeOrUndefined', () => {
  it('answers the decoded value, or undefined for malformed input', () => {
    expect(decodeOrUndefined(() => new WireReader(Buffer.from([0, 0, 0, 7])).u32())).toBe(7);
    expect(decodeOrUndefined(() => new WireReader(Buffer.from([0, 0])).u32())).toBeUndefined();
  });

  it('lets any other error through', () => {
    expect(() =>
      decodeOrUndefined(() => {
        throw new TypeError('a bug, not bad input');
      }),
    ).toThrow(TypeError);
  });
});
