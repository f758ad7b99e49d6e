/** Largest sealed packet a pooled buffer holds: a 32 KiB channel packet with headers, padding and MAC. */
const CAPACITY = 40 * 1024;

/** Key of the property on a pooled buffer's memory that names the pool it is lent out by. */
const LENDER = Symbol('sshd-kit lender');

/** A pooled buffer's memory: {@link LENDER} is the pool while the buffer is out, else undefined. */
type PooledMemory = ArrayBufferLike & { [LENDER]?: SealedBufferPool | undefined };

/**
 * Buffers for large sealed packets, shared by a server's connections and reused once the socket
 * has written them (the owner of a transport gives each back from its write callback).
 *
 * Without it every 32 KiB packet of a bulk transfer is a new ArrayBuffer, and V8 answers that
 * much external memory with a full, incremental mark-compact of the whole heap every few tens of
 * MiB: measured with perf on a 1 GiB SFTP download, marking and sweeping took 13% of the server's
 * CPU. A buffer is lent out whole and taken back at most once (a second give is ignored), so two
 * packets never share memory. At most `maxFree` buffers wait to be reused, across all connections:
 * an idle connection holds none. Whether a buffer is out is marked on its memory, so telling a
 * pooled packet from any other (done for every packet written) is one property load; a WeakSet of
 * lent memory cost 1.3% of the server's CPU in a download, and a buffer never given back (its
 * connection gone) is still collected like any other.
 */
export class SealedBufferPool {
  /** Bytes of each pooled buffer; larger packets get a buffer of their own. */
  readonly capacity = CAPACITY;
  private free: Buffer[] = [];

  constructor(private readonly maxFree = 256) {}

  /** A buffer of `n` ≤ {@link capacity} bytes (a view of a pooled one). */
  take(n: number): Buffer {
    if (n > CAPACITY) throw new RangeError(`sealed packet of ${n} bytes exceeds the pool's ${CAPACITY}`);
    const whole = this.free.pop() ?? Buffer.allocUnsafeSlow(CAPACITY);
    (whole.buffer as PooledMemory)[LENDER] = this;
    return whole.subarray(0, n);
  }

  /** Whether `view` is a buffer from {@link take} that has not been given back. */
  lends(view: Buffer): boolean {
    return (view.buffer as PooledMemory)[LENDER] === this;
  }

  /** Takes back the memory `view` (from {@link take}) lies in; nothing may read it afterwards. */
  give(view: Buffer): void {
    const memory = view.buffer as PooledMemory;
    if (memory[LENDER] !== this) return;
    memory[LENDER] = undefined;
    if (this.free.length < this.maxFree) this.free.push(Buffer.from(memory, 0, CAPACITY));
  }
}
