import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../../src/util/byte-queue.js';

describe('ByteQueue', () => {
  it('returns the same bytes as a concatenation, for any chunking and reads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }),
        fc.array(fc.nat({ max: 50 })),
        (chunks, reads) => {
          const q = new ByteQueue();
          const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          for (const c of chunks) q.push(Buffer.from(c));
          let at = 0;
          for (const n of reads) {
            if (n > q.length) {
              expect(() => q.take(n)).toThrow(RangeError);
              continue;
            }
            expect(q.peek(n)).toEqual(all.subarray(at, at + n));
            expect(q.take(n)).toEqual(all.subarray(at, at + n));
            at += n;
            expect(q.length).toBe(all.length - at);
          }
        },
      ),
    );
  });

  it('stays linear when fed one byte at a time', () => {
    const q = new ByteQueue();
    const n = 200_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) q.push(Buffer.from([i & 0xff]));
    const out = q.take(n);
    expect(out[n - 1]).toBe((n - 1) & 0xff);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('takes bytes as views of the chunks they lie in, up to a number of pieces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat({ max: 90 })),
        fc.integer({ min: 1, max: 4 }),
        (chunks, reads, maxPieces) => {
          const q = new ByteQueue();
          const buffers = chunks.map((c) => Buffer.from(c));
          const all = Buffer.concat(buffers);
          for (const b of buffers) q.push(b);
          let at = 0;
          for (const n of reads) {
            if (n > q.length) continue;
            const inOne = q.holdsInOneChunk(n);
            const pieces = q.takePieces(n, maxPieces);
            if (pieces === undefined) {
              expect(q.length).toBe(all.length - at);
              q.take(n);
            } else {
              expect(pieces.length).toBeLessThanOrEqual(maxPieces);
              expect(inOne).toBe(pieces.length <= 1);
              expect(Buffer.concat(pieces).equals(all.subarray(at, at + n))).toBe(true);
              // Views, not copies: each piece shares memory with a pushed chunk.
              for (const p of pieces) expect(buffers.some((b) => b.buffer === p.buffer)).toBe(true);
            }
            at += n;
            expect(q.length).toBe(all.length - at);
          }
        },
      ),
    );
  });

  it('an empty queue holds zero bytes in one chunk, and gives them as no pieces', () => {
    const q = new ByteQueue();
    expect(q.holdsInOneChunk(0)).toBe(true);
    expect(q.takePieces(0, 1)).toEqual([]);
    expect(q.holdsInOneChunk(1)).toBe(false);
  });
});
