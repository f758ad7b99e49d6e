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
  /** Whether the claim is granted: true right after claiming when granted at once (no callback then). */
  readonly granted: boolean;
  /** Leaves the queue; must be called exactly once, granted or not. */
  release(): void;
}

function conflicts(a: LockClaim, b: LockClaim): boolean {
  if (a.exclusive || b.exclusive) return true;
  if (!a.range || !b.range || !(a.write || b.write)) return false;
  return a.range[0] < b.range[1] && b.range[0] < a.range[1];
}

/** Whether a claim can conflict with another at all (a plain shared read cannot with a read). */
function ordersOthers(claim: LockClaim): boolean {
  return claim.exclusive || claim.write === true;
}

/** A claim in the queue; it is its own ticket. */
class Entry implements LockTicket {
  granted: boolean;
  private released = false;

  constructor(
    private readonly lock: OrderedLock,
    readonly claim: LockClaim,
    readonly onGranted: () => void,
    granted: boolean,
  ) {
    this.granted = granted;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.lock.remove(this);
  }
}

/**
 * A FIFO lock with a conflict rule: a claim is granted when no earlier, still-held claim conflicts
 * with it. Requests claim at arrival in arrival order, so every wait is on an earlier request and a
 * request claiming several locks cannot deadlock. This is how the server keeps requests on the same
 * file in order while pipelined reads and writes of different ranges run concurrently.
 *
 * A download's reads conflict with nothing, so while no claim that writes or is exclusive is
 * queued, a claim is granted without looking at the others, and a release wakes nobody.
 */
export class OrderedLock {
  private readonly queue: Entry[] = [];
  /** Queued claims that write or are exclusive: only they can make another claim wait. */
  private ordering = 0;
  /** Queued claims not yet granted. */
  private waiting = 0;

  /** Claims; `onGranted` runs later if the claim must wait. */
  claim(claim: LockClaim, onGranted: () => void): LockTicket {
    const orders = ordersOthers(claim);
    const blocked = (this.ordering > 0 || orders) && this.blockedByQueue(claim, this.queue.length);
    const entry = new Entry(this, claim, onGranted, !blocked);
    this.queue.push(entry);
    if (orders) this.ordering++;
    if (blocked) this.waiting++;
    return entry;
  }

  /** Whether a claim that neither writes nor is exclusive would be granted at once and hold up nothing. */
  get sharedFree(): boolean {
    return this.ordering === 0;
  }

  /** Claims held or waiting. */
  get size(): number {
    return this.queue.length;
  }

  /** Takes a released entry out of the queue and grants what it held up; for {@link Entry.release} only. */
  remove(entry: Entry): void {
    const q = this.queue;
    // Pipelined requests mostly finish in the order they came.
    if (q[0] === entry) q.shift();
    else {
      const i = q.indexOf(entry);
      if (i === -1) return;
      q.splice(i, 1);
    }
    if (ordersOthers(entry.claim)) this.ordering--;
    if (!entry.granted) this.waiting--;
    if (this.waiting > 0) this.wake();
  }

  /** Whether one of the first `count` queued claims conflicts with `claim`. */
  private blockedByQueue(claim: LockClaim, count: number): boolean {
    for (let j = 0; j < count; j++) if (conflicts(this.queue[j]!.claim, claim)) return true;
    return false;
  }

  private wake(): void {
    const ready: Entry[] = [];
    for (let i = 0; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.granted || this.blockedByQueue(e.claim, i)) continue;
      e.granted = true;
      this.waiting--;
      ready.push(e);
    }
    for (const e of ready) e.onGranted();
  }
}
