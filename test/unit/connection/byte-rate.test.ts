import { describe, expect, it } from 'vitest';
import { ByteRate } from '../../../src/connection/byte-rate.js';

const clock = () => {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('ByteRate', () => {
  it('lets half a second through at once, then holds the rate over any packet sizes', () => {
    const c = clock();
    const rate = new ByteRate(1_000_000, c.now); // 1 MB/s: a 500 kB burst
    let sent = 0;
    let elapsed = 0;
    // Packets of 32 KiB sent whenever the limit allows, for 10 s of clock.
    while (elapsed < 10_000) {
      if (rate.ready) {
        rate.take(32_768);
        sent += 32_768;
      } else {
        const wait = rate.waitMs();
        expect(wait).toBeGreaterThan(0);
        c.advance(wait);
        elapsed += wait;
      }
    }
    // 10 s at 1 MB/s plus the first burst and at most one packet of overdraft.
    expect(sent).toBeGreaterThanOrEqual(10_000_000);
    expect(sent).toBeLessThanOrEqual(10_000_000 + 500_000 + 32_768);
  });

  it('waits out a debt larger than the burst (a big packet, or a window the client used)', () => {
    const c = clock();
    const rate = new ByteRate(100_000, c.now); // burst: 64 KiB (the minimum)
    rate.take(65_536 + 200_000);
    expect(rate.ready).toBe(false);
    expect(rate.waitMs()).toBe(2001);
    c.advance(1999);
    expect(rate.ready).toBe(false);
    c.advance(2);
    expect(rate.ready).toBe(true);
  });

  it('does not save up more than the burst while idle', () => {
    const c = clock();
    const rate = new ByteRate(1_000_000, c.now);
    c.advance(60_000);
    rate.take(500_000);
    expect(rate.ready).toBe(false);
    expect(() => new ByteRate(0)).toThrow(RangeError);
    expect(() => new ByteRate(NaN)).toThrow(RangeError);
  });
});
