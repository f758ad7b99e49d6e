/** Below this, buffers come from Node's shared pool and are not worth keeping. */
const MIN_POOLED = 4096;

/**
 * Large SFTP buffers of one size, reused once their user is done with them: SSH_FXP_DATA replies
 * (given back once the output has copied them) and WRITE frames joined from several channel
 * packets (given back once the write is done). A 1 GiB transfer would otherwise allocate 1 GiB of
 * such buffers, and V8 answers external memory that outlives a few young-generation collections,
 * as a frame waiting for its pwritev does, with a full collection every 64 MiB or so. Buffers of
 * one size are kept (clients read and write in a fixed size), at most `maxBytes` of them (the
 * session's bound on bytes in flight, which those buffers were part of anyway); the owner empties
 * the pool once the session goes idle.
 */
export class BufferPool {
  private free: Buffer[] = [];
  private size = 0;
  /**
   * Every buffer this pool made. A buffer comes back as the very object {@link take} returned
   * (a whole SFTP frame), so it is known by identity, not by its memory: reading a Buffer's
   * `.buffer` is a call into V8's runtime, a cost on every READ.
   */
  private readonly ours = new WeakSet<Buffer>();

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
    this.ours.add(fresh);
    return fresh;
  }

  /** Whether `frame` is a buffer {@link take} returned at the current size (and so may be given back). */
  owns(frame: Buffer): boolean {
    return frame.length === this.size && this.ours.has(frame);
  }

  /** Returns a buffer from {@link take}; nothing may use it afterwards. Anything else is ignored. */
  give(frame: Buffer): void {
    if ((this.free.length + 1) * this.size > this.maxBytes || !this.owns(frame)) return;
    this.free.push(frame);
  }

  /** Drops the free buffers. */
  clear(): void {
    this.free = [];
  }
}
