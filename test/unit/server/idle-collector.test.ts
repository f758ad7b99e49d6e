import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleCollector } from '../../../src/server/idle-collector.js';

const MiB = 1024 * 1024;

describe('IdleCollector', () => {
  let heap: number;
  let alive: number;
  let collections: number;
  let collector: IdleCollector;

  beforeEach(() => {
    vi.useFakeTimers();
    heap = 20 * MiB;
    alive = 1;
    collections = 0;
    collector = new IdleCollector(
      () => {
        collections++;
        heap = 18 * MiB;
      },
      { quietMs: 1000, minChurn: 10, minHeapGrowthBytes: 8 * MiB },
      () => heap,
      () => alive,
    );
  });
  afterEach(() => {
    collector.close();
    vi.useRealTimers();
  });

  /** `events` connections open or close, then `ms` pass: the collections so far. */
  const churnThenWait = (events: number, ms: number): number => {
    for (let i = 0; i < events; i++) collector.churn();
    vi.advanceTimersByTime(ms);
    return collections;
  };

  it('collects once a burst of connections has been quiet for quietMs', () => {
    expect(churnThenWait(10, 999)).toBe(0);
    // More churn restarts the quiet period.
    expect(churnThenWait(2, 999)).toBe(0);
    expect(churnThenWait(0, 1)).toBe(1);
    expect(churnThenWait(0, 10_000)).toBe(1);
  });

  it('leaves one connection alone: the quiet period passes without a collection', () => {
    expect(churnThenWait(2, 5000)).toBe(0);
  });

  it('counts churn across quiet periods until a collection resets it', () => {
    for (let i = 0; i < 4; i++) expect(churnThenWait(2, 2000)).toBe(0);
    expect(churnThenWait(2, 2000)).toBe(1);
    expect(churnThenWait(2, 2000)).toBe(1);
  });

  it('collects after little churn when the heap has grown by minHeapGrowthBytes', () => {
    heap += 8 * MiB - 1;
    expect(churnThenWait(2, 1000)).toBe(0);
    heap += 1;
    expect(churnThenWait(2, 1000)).toBe(1);
    // Growth is measured from the heap the collection left (18 MiB).
    heap = 25 * MiB;
    expect(churnThenWait(2, 1000)).toBe(1);
  });

  it('with no connection alive, collects only for heap growth (a forced collection then costs the JIT its code)', () => {
    alive = 0;
    expect(churnThenWait(50, 1000)).toBe(0);
    heap += 8 * MiB;
    expect(churnThenWait(2, 1000)).toBe(1);
    // The churn counted while nobody was alive still counts once connections are.
    expect(churnThenWait(20, 1000)).toBe(1);
    alive = 3;
    expect(churnThenWait(10, 1000)).toBe(2);
  });

  it('close cancels a pending collection', () => {
    for (let i = 0; i < 20; i++) collector.churn();
    collector.close();
    expect(churnThenWait(0, 5000)).toBe(0);
  });
});
