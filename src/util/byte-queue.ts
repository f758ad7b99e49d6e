/**
 * A FIFO of received byte chunks. Bytes are copied at most once, when a read spans chunks, so
 * a peer sending one byte at a time cannot make buffering quadratic.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Index of the first live chunk (chunks before it are consumed; compacted lazily). */
  private first = 0;
  /** Offset into the first live chunk. */
  private head = 0;
  private total = 0;

  /** Bytes queued. */
  get length(): number {
    return this.total;
  }

  /** Appends a chunk (kept by reference; the caller must not modify it afterwards). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The first `n` bytes without consuming them (a view when they lie in one chunk). */
  peek(n: number): Buffer {
    return this.read(n, false);
  }

  /** Removes and returns the first `n` bytes (a view when they lie in one chunk). */
  take(n: number): Buffer {
    return this.read(n, true);
  }

  /** Whether the first `n` bytes lie in one chunk (so {@link take} returns a view, not a copy). */
  holdsInOneChunk(n: number): boolean {
    const first = this.chunks[this.first];
    return n === 0 || (first !== undefined && first.length - this.head >= n);
  }

  /**
   * Removes the first `n` bytes and returns them as views of the chunks they lie in, in order,
   * when those are at most `maxPieces`; else leaves the queue as it is and returns undefined.
   */
  takePieces(n: number, maxPieces: number): Buffer[] | undefined {
    if (n > this.total) throw new RangeError(`only ${this.total} bytes queued, ${n} requested`);
    const pieces: Buffer[] = [];
    let left = n;
    let offset = this.head;
    for (let i = this.first; left > 0; i++) {
      if (pieces.length === maxPieces) return undefined;
      const c = this.chunks[i]!;
      const part = Math.min(c.length - offset, left);
      pieces.push(c.subarray(offset, offset + part));
      left -= part;
      offset = 0;
    }
    this.advance(n);
    return pieces;
  }

  private read(n: number, consume: boolean): Buffer {
    if (n > this.total) throw new RangeError(`only ${this.total} bytes queued, ${n} requested`);
    const first = this.chunks[this.first];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      if (consume) this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let i = this.first;
    let offset = this.head;
    while (copied < n) {
      const c = this.chunks[i]!;
      const part = Math.min(c.length - offset, n - copied);
      c.copy(out, copied, offset, offset + part);
      copied += part;
      offset += part;
      if (offset === c.length) {
        i++;
        offset = 0;
      }
    }
    if (consume) this.advance(n);
    return out;
  }

  private advance(n: number): void {
    this.total -= n;
    while (n > 0) {
      const c = this.chunks[this.first]!;
      const left = c.length - this.head;
      if (n < left) {
        this.head += n;
        break;
      }
      n -= left;
      this.first++;
      this.head = 0;
    }
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 1024) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
