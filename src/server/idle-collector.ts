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
  /** Connections opened plus closed since the last collection that make one worth it (100). */
  readonly minChurn: number;
  /** Or: growth of V8's used heap since the last collection that makes one worth it (16 MiB). */
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
 * collection, or the heap grown by `minHeapGrowthBytes`. A full collection while no connection
 * is alive also undoes the JIT's work: the call sites of the data path hold their targets (each
 * connection's callbacks) weakly, the collection clears them, and V8 throws away the optimized
 * code built on them, so the next connection pays to compile it all again (about 25% more server
 * CPU for the first GiB of a transfer, measured with `bench/`). After one transfer there is
 * little to give back, and the server keeps its warm code. The CLI turns V8's own idle collector
 * (the memory reducer) off for the same reason (`bin/run.js`), and this one takes its place.
 */
export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private churned = 0;
  private heapAfterCollection: number;

  constructor(
    private readonly collect: () => void,
    private readonly policy: IdleCollectionPolicy = DEFAULT_IDLE_COLLECTION,
    private readonly heapBytes: () => number = usedHeapBytes,
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
    if (this.churned < this.policy.minChurn && grown < this.policy.minHeapGrowthBytes) return;
    this.collect();
    this.churned = 0;
    this.heapAfterCollection = this.heapBytes();
  }
}
