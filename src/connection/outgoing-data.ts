/**
 * The bytes of one or more writes to a channel, taken front to back in packet-sized runs. A run
 * may span writes: replies written together (an SFTP session's replies to one batch of reads)
 * fill whole packets instead of each ending in a short one (RFC 4254 §5.2 lets data be split
 * anywhere). Runs are views of the written buffers, never copies.
 */
export class OutgoingData {
  /** Bytes not yet taken. */
  remaining = 0;
  private index = 0;
  private offset = 0;

  constructor(private readonly chunks: readonly Uint8Array[]) {
    for (const c of chunks) this.remaining += c.length;
  }

  /** Takes the next `n` bytes (at most {@link remaining}) as views of the written buffers. */
  take(n: number): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    this.remaining -= n;
    while (n > 0) {
      const chunk = this.chunks[this.index]!;
      const k = Math.min(n, chunk.length - this.offset);
      if (k > 0)
        pieces.push(
          this.offset === 0 && k === chunk.length ? chunk : chunk.subarray(this.offset, this.offset + k),
        );
      n -= k;
      this.offset += k;
      if (this.offset === chunk.length) {
        this.index++;
        this.offset = 0;
      }
    }
    return pieces;
  }
}
