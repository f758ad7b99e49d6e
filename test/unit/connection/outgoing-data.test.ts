import { describe, expect, it } from 'vitest';
import { OutgoingData } from '../../../src/connection/outgoing-data.js';

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

describe('OutgoingData', () => {
  it('takes runs that span chunks, as views, in order', () => {
    const chunks = [bytes(5, 1), bytes(0, 9), bytes(7, 2), bytes(3, 3)];
    const data = new OutgoingData(chunks);
    expect(data.remaining).toBe(15);
    const first = data.take(8);
    expect(first.map((p) => p.length)).toEqual([5, 3]);
    expect(first[0]).toBe(chunks[0]);
    expect(first[1]!.buffer).toBe(chunks[2]!.buffer);
    expect(data.remaining).toBe(7);
    const rest = data.take(7);
    expect(Buffer.concat(rest)).toEqual(Buffer.concat([bytes(4, 2), bytes(3, 3)]));
    expect(data.remaining).toBe(0);
  });

  it('takes a single chunk whole without slicing it', () => {
    const chunk = bytes(10, 4);
    const data = new OutgoingData([chunk]);
    const [piece] = data.take(10);
    expect(piece).toBe(chunk);
  });
});
