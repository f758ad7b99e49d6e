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
});
