/**
 * What a request needs from one lock. Exclusive claims conflict with everything; shared claims
 * conflict with nothing unless both carry byte ranges that overlap and one of them writes.
 */
export interface LockClaim {
  readonly exclusive: boolean;
  /** Byte range [start, end) for READ/WRITE on a handle. */
  readonly range?: readonly [number, number];
  readonly write?: boolean;
}

/** A claim in a lock's queue. */
export interface LockTicket {
  /** True when the claim was granted at once (the callback is then never called). */
  readonly granted: boolean;
  /** Leaves the queue; must be called exactly once, granted or not. */
  release(): void;
}

interface Entry {
  readonly claim: LockClaim;
  granted: boolean;
  readonly onGranted: () => void;
}

function conflicts(a: LockClaim, b: LockClaim): boolean {
  if (a.exclusive || b.exclusive) return true;
  if (!a.range || !b.range || !(a.write || b.write)) return false;
  return a.range[0] < b.range[1] && b.range[0] < a.range[1];
}

/**
 * A FIFO lock with a conflict rule: a claim is granted when no earlier, still-held claim conflicts
 * with it. Requests claim at arrival in arrival order, so every wait is on an earlier request and a
 * request claiming several locks cannot deadlock. This is how the server keeps requests on the same
 * file in order while pipelined reads and writes of different ranges run concurrently.
 */
export class OrderedLock {
  private readonly queue: Entry[] = [];

  /** Claims; `onGranted` runs later if the claim must wait. */
  claim(claim: LockClaim, onGranted: () => void): LockTicket {
    let blocked = false;
    for (const e of this.queue) {
      if (conflicts(e.claim, claim)) {
        blocked = true;
        break;
      }
    }
    const entry: Entry = { claim, granted: !blocked, onGranted };
    this.queue.push(entry);
    let released = false;
    return {
      granted: !blocked,
      release: () => {
        if (released) return;
        released = true;
        const i = this.queue.indexOf(entry);
        if (i !== -1) this.queue.splice(i, 1);
        this.wake();
      },
    };
  }

  /** Claims held or waiting. */
  get size(): number {
    return this.queue.length;
  }

  private wake(): void {
    const ready: Entry[] = [];
    for (let i = 0; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.granted) continue;
      let blocked = false;
      for (let j = 0; j < i; j++) {
        if (conflicts(this.queue[j]!.claim, e.claim)) {
          blocked = true;
          break;
        }
      }
      if (!blocked) {
        e.granted = true;
        ready.push(e);
      }
    }
    for (const e of ready) e.onGranted();
  }
}
