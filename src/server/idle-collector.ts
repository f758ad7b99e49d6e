import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's full garbage collector, when this process exposes it: started with `node --expose-gc`, or
 * with the flag set before this call (the CLI's `bin/run.js` does). Undefined otherwise. The
 * collection it runs also compacts the heap, so that the pages a burst filled can be given back.
 */
export function exposedGarbageCollector(): (() => void) | undefined {
  // `gc` is installed in contexts created after the flag is set, so a fresh context sees it even
  // when the main one (made before bin/run.js could set the flag) does not.
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  if (typeof gc !== 'function') return undefined;
  return () => {
    // V8 reads the flag when a full collection starts; without it, a heap left sparse by
    // thousands of closed connections keeps most of its pages.
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      (gc as () => unknown)();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

/** When {@link IdleCollector} collects. */
export interface IdleCollectionPolicy {
  /** Milliseconds without a connection opening or closing before a collection (5000). */
  readonly quietMs: number;
  /**
   * Connections opened plus closed since the last collection that make one worth it while some
   * connection is alive (100).
   */
  readonly minChurn: number;
  /**
   * Or: growth of V8's used heap since the last collection that makes one worth it; with no
   * connection alive, only this does (16 MiB).
   */
  readonly minHeapGrowthBytes: number;
}

/** The policy `SshServer` uses unless told otherwise. */
export const DEFAULT_IDLE_COLLECTION: IdleCollectionPolicy = {
  quietMs: 5000,
  minChurn: 100,
  minHeapGrowthBytes: 16 * 1024 * 1024,
};

/** V8's used heap in bytes, what {@link IdleCollector} compares by default. */
const usedHeapBytes = (): number => getHeapStatistics().used_heap_size;

/**
 * Gives memory back after a burst of connections. A burst of handshakes leaves garbage in V8's
 * old generation, and with no allocation afterwards no collection runs. So once connections
 * have opened or closed and then none has for `quietMs`, this runs one full, compacting
 * collection (measured with 1,000 idle connections open: 73 ms; with 5,000: 175 ms).
 *
 * It only does so after a burst: `minChurn` connection openings and closings since the last
 * collection, or the heap grown by `minHeapGrowthBytes`. A forced collection (this one, and V8's
 * memory reducer) does not keep the hidden classes of objects that no longer exist, as V8's
 * other collections do for a while, so the optimized code built on the classes of connections,
 * packets and channels is thrown away when none of them is alive, and the next connections pay
 * to compile it all again: about 25% more server CPU for the first GiB of a transfer, and for
 * handshakes at concurrency 1 (4.2–4.9 ms against 5.5–7.1 per handshake for the next tens of
 * seconds, measured with `bench/`). So with no connection alive it collects only when the heap
 * has grown by `minHeapGrowthBytes` (thousands of connections' worth, where giving the memory
 * back is worth the compiling); a burst of short connections that all ended (10 MiB given back
 * after 600 handshakes) is left to V8's next ordinary collection. With connections alive, their
 * objects keep those classes and the code stays. The CLI turns V8's memory reducer off for the
 * same reason (`bin/run.js`), and this collector takes its place.
 */
export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private churned = 0;
  private heapAfterCollection: number;

  constructor(
    private readonly collect: () => void,
    private readonly policy: IdleCollectionPolicy = DEFAULT_IDLE_COLLECTION,
    private readonly heapBytes: () => number = usedHeapBytes,
    /** Connections open now (none when not given: then only heap growth starts a collection). */
    private readonly connectionsAlive: () => number = () => 0,
  ) {
    this.heapAfterCollection = heapBytes();
  }

  /** A connection opened or closed: the quiet period starts (again) now. */
  churn(): void {
    this.churned++;
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.quiet();
    }, this.policy.quietMs);
    this.timer.unref();
  }

  /** Cancels a pending collection (server shutdown). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private quiet(): void {
    const grown = this.heapBytes() - this.heapAfterCollection;
    const burst = this.connectionsAlive() > 0 && this.churned >= this.policy.minChurn;
    if (!burst && grown < this.policy.minHeapGrowthBytes) return;
    this.collect();
    this.churned = 0;
    this.heapAfterCollection = this.heapBytes();
  }
}
