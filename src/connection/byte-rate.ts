/** Seconds of traffic a limit lets through at once after a quiet spell. */
const BURST_SECONDS = 0.5;
/** The smallest burst: one full channel packet goes out whole even under a tiny limit. */
const MIN_BURST_BYTES = 64 * 1024;

/**
 * A limit of bytes per second (a token bucket that may run into debt): traffic is let through
 * while the balance is positive, every byte that passes is taken from it, and the balance refills
 * at the rate up to half a second's worth. A packet may overdraw the balance; the debt is then
 * waited out, so over time the rate holds whatever the packet sizes. One limit is shared by every
 * channel of an account (see `SessionPolicy.uploadBytesPerSecond`).
 */
export class ByteRate {
  private balance: number;
  private updated: number;
  private readonly burst: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a byte rate must be positive, not ${bytesPerSecond}`);
    this.burst = Math.max(MIN_BURST_BYTES, bytesPerSecond * BURST_SECONDS);
    this.balance = this.burst;
    this.updated = this.now();
  }

  /** Whether traffic may pass now. */
  get ready(): boolean {
    return this.refill() > 0;
  }

  /** Takes `bytes` that have passed from the balance (it may go below zero). */
  take(bytes: number): void {
    this.refill();
    this.balance -= bytes;
  }

  /** Milliseconds until traffic may pass again (0 when it may now). */
  waitMs(): number {
    const balance = this.refill();
    return balance > 0 ? 0 : Math.ceil((-balance * 1000) / this.bytesPerSecond) + 1;
  }

  /** Resolves once traffic may pass again. */
  whenReady(): Promise<void> {
    const ms = this.waitMs();
    return ms === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  }

  private refill(): number {
    const t = this.now();
    this.balance = Math.min(this.burst, this.balance + ((t - this.updated) * this.bytesPerSecond) / 1000);
    this.updated = t;
    return this.balance;
  }
}

/** The limits one account's channels share: bytes a client sends (upload) and receives (download). */
export interface ChannelRates {
  readonly upload?: ByteRate;
  readonly download?: ByteRate;
}
