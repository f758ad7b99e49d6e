import { runInNewContext } from 'node:vm';

/**
 * V8's full garbage collector, when this process exposes it: started with `node --expose-gc`, or
 * with the flag set before this call (the CLI's `bin/run.js` does). Undefined otherwise.
 */
export function exposedGarbageCollector(): (() => void) | undefined {
  // `gc` is installed in contexts created after the flag is set, so a fresh context sees it even
  // when the main one (made before bin/run.js could set the flag) does not.
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  return typeof gc === 'function' ? () => void (gc as () => unknown)() : undefined;
}

/**
 * Gives memory back after a burst of connections. A burst of handshakes grows V8's young
 * generation to its maximum and leaves garbage in the old one; with no allocation afterwards no
 * collection runs, and V8's own memory reducer is not armed by a heap that only grew. So once
 * connections have opened or closed and then none has for `quietMs`, this runs one full collection
 * (tens of milliseconds for thousands of connections), which also shrinks the young generation.
 * A server with steady connection churn never triggers it: V8 collects on its own there.
 */
export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly collect: () => void,
    private readonly quietMs: number,
  ) {}

  /** A connection opened or closed: the quiet period starts (again) now. */
  churn(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.collect();
    }, this.quietMs);
    this.timer.unref();
  }

  /** Cancels a pending collection (server shutdown). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
