/** Below this, buffers come from Node's shared pool and are not worth keeping. */
const MIN_POOLED = 4096;

/**
 * SSH_FXP_DATA reply buffers, reused once the output has taken their bytes. A download in 32 KiB
 * READs would otherwise allocate a fresh buffer per request (1 GiB of them per GiB), and V8
 * answers every 64 MiB of such external memory with a full garbage collection. Buffers of one
 * size are kept (clients read in a fixed size), at most `maxBytes` of them (the session's bound
 * on bytes in flight, which those buffers were part of anyway); the owner empties the pool once
 * the session goes idle.
 */
export class ReplyBufferPool {
  private free: Buffer[] = [];
  private size = 0;
  /** The memory of every buffer this pool handed out at the current size. */
  private readonly ours = new WeakSet<ArrayBufferLike>();

  constructor(private readonly maxBytes: number) {}

  /** A buffer of exactly `size` bytes, reused when one is free. */
  take(size: number): Buffer {
    if (size < MIN_POOLED) return Buffer.allocUnsafe(size);
    if (size !== this.size) {
      this.free = [];
      this.size = size;
    }
    const reused = this.free.pop();
    if (reused) return reused;
    const fresh = Buffer.allocUnsafeSlow(size);
    this.ours.add(fresh.buffer);
    return fresh;
  }

  /** Whether `frame` is a view of a buffer from {@link take} (and so may be given back). */
  owns(frame: Buffer): boolean {
    return frame.buffer.byteLength === this.size && this.ours.has(frame.buffer);
  }

  /** Returns the buffer `frame` is a view of; nothing may use it afterwards. */
  give(frame: Buffer): void {
    if ((this.free.length + 1) * this.size > this.maxBytes || !this.owns(frame)) return;
    this.free.push(Buffer.from(frame.buffer, 0, this.size));
  }

  /** Drops the free buffers. */
  clear(): void {
    this.free = [];
  }
}
