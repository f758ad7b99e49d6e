import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinedRange, piecesRange } from '../../../src/util/byte-pieces.js';

/** `bytes` in a buffer of its own (not a slice of node's shared pool), so views can be told from copies. */
const own = (bytes: Uint8Array | string): Buffer => {
  const source = Buffer.from(bytes);
  const b = Buffer.alloc(source.length);
  source.copy(b);
  return b;
};

describe('ranges of pieces', () => {
  it('piecesRange gives views whose concatenation is the range, without empty pieces; joinedRange the same bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 20 }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.nat(),
        (arrays, a, b) => {
          const pieces = arrays.map(own);
          const all = Buffer.concat(pieces);
          const from = a % (all.length + 1);
          const to = from + (b % (all.length - from + 1));
          const range = piecesRange(pieces, from, to);
          expect(Buffer.concat(range).equals(all.subarray(from, to))).toBe(true);
          for (const r of range) {
            expect(r.length).toBeGreaterThan(0);
            expect(pieces.some((p) => p.buffer === r.buffer)).toBe(true);
          }
          if (to > from) expect(joinedRange(pieces, from, to).equals(all.subarray(from, to))).toBe(true);
        },
      ),
    );
  });

  it('joinedRange is a view when the range lies in one piece, and a copy when it spans', () => {
    const pieces = [own('abcdef'), own('ghij')];
    const inOne = joinedRange(pieces, 1, 4);
    expect(inOne.buffer).toBe(pieces[0]!.buffer);
    expect(inOne.toString()).toBe('bcd');
    const spanning = joinedRange(pieces, 4, 8);
    expect(spanning.toString()).toBe('efgh');
    expect(pieces.some((p) => p.buffer === spanning.buffer)).toBe(false);
  });
});
