import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleCollector } from '../../../src/server/idle-collector.js';

const MiB = 1024 * 1024;

describe('IdleCollector', () => {
  let heap: number;
  let collections: number;
  let collector: IdleCollector;

  beforeEach(() => {
    vi.useFakeTimers();
    heap = 20 * MiB;
    collections = 0;
    collector = new IdleCollector(
      () => {
        collections++;
        heap = 18 * MiB;
      },
      { quietMs: 1000, minChurn: 10, minHeapGrowthBytes: 8 * MiB },
      () => heap,
    );
  });
  afterEach(() => {
    collector.close();
    vi.useRealTimers();
  });

  const churn = (events: number) => {
    for (let i = 0; i < events; i++) collector.churn();
  };

  it('collects once a burst of connections has been quiet for quietMs', () => {
    churn(10);
    vi.advanceTimersByTime(999);
    expect(collections).toBe(0);
    churn(2);
    vi.advanceTimersByTime(999);
    expect(collections).toBe(0);
    vi.advanceTimersByTime(1);
    expect(collections).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(collections).toBe(1);
  });

  it('leaves one connection alone: the quiet period passes without a collection', () => {
    churn(2);
    vi.advanceTimersByTime(5000);
    expect(collections).toBe(0);
  });

  it('counts churn across quiet periods until a collection resets it', () => {
    for (let i = 0; i < 4; i++) {
      churn(2);
      vi.advanceTimersByTime(2000);
    }
    expect(collections).toBe(0);
    churn(2);
    vi.advanceTimersByTime(2000);
    expect(collections).toBe(1);
    churn(2);
    vi.advanceTimersByTime(2000);
    expect(collections).toBe(1);
  });

  it('collects after little churn when the heap has grown by minHeapGrowthBytes', () => {
    heap += 8 * MiB - 1;
    churn(2);
    vi.advanceTimersByTime(1000);
    expect(collections).toBe(0);
    heap += 1;
    churn(2);
    vi.advanceTimersByTime(1000);
    expect(collections).toBe(1);
    // Growth is measured from the heap the collection left (18 MiB).
    heap = 25 * MiB;
    churn(2);
    vi.advanceTimersByTime(1000);
    expect(collections).toBe(1);
  });

  it('close cancels a pending collection', () => {
    churn(20);
    collector.close();
    vi.advanceTimersByTime(5000);
    expect(collections).toBe(0);
  });
});
