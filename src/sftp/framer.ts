import type { BufferPool } from './buffer-pool.js';
import { Fxp } from './constants.js';

/** Largest SFTP frame payload accepted, as OpenSSH's SFTP_MAX_MSG_LENGTH (256 KiB). */
export const MAX_SFTP_FRAME = 256 * 1024;

/** A frame whose length is 0 or above the limit: the session must end (OpenSSH exits). */
export class SftpFrameError extends Error {
  override readonly name = 'SftpFrameError';
}

/**
 * Splits the SFTP byte stream into frames (`uint32 length` + payload). It holds at most one partial
 * frame plus whatever chunks were pushed; the caller pulls frames one at a time with {@link next},
 * so it can stop pulling (and stop reading its input) under backpressure. A frame inside one chunk
 * is returned as a view (no copy); one spanning chunks is joined once, a WRITE into a buffer of
 * `writeFrames` (which the session gives back when the write is done).
 */
export class SftpFramer {
  private chunks: Buffer[] = [];
  private head = 0; // read offset into chunks[0]
  private size = 0; // unread bytes across chunks

  constructor(
    private readonly maxFrame = MAX_SFTP_FRAME,
    private readonly writeFrames?: BufferPool,
  ) {}

  /** Unread bytes held. */
  get buffered(): number {
    return this.size;
  }

  /** Appends a chunk of the stream. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /**
   * The next complete frame payload, or undefined when more bytes are needed. Throws
   * {@link SftpFrameError} for a frame length of 0 or above the limit, as soon as the length is
   * known (before its body arrives).
   */
  next(): Buffer | undefined {
    if (this.size < 4) return undefined;
    const len = this.peekLength();
    if (len === 0 || len > this.maxFrame) {
      throw new SftpFrameError(`SFTP frame length ${len} outside 1..${this.maxFrame}`);
    }
    if (this.size < 4 + len) return undefined;
    this.skip(4);
    return this.take(len);
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length - this.head >= 4) return first.readUInt32BE(this.head);
    const b = Buffer.allocUnsafe(4);
    let got = 0;
    for (let i = 0, off = this.head; got < 4; i++, off = 0) {
      const c = this.chunks[i]!;
      const n = Math.min(4 - got, c.length - off);
      c.copy(b, got, off, off + n);
      got += n;
    }
    return b.readUInt32BE(0);
  }

  private skip(n: number): void {
    this.size -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const avail = c.length - this.head;
      if (n < avail) {
        this.head += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) {
      const v = first.subarray(this.head, this.head + n);
      this.skip(n);
      return v;
    }
    const out =
      this.writeFrames && first[this.head] === Fxp.Write ? this.writeFrames.take(n) : Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - got, c.length - this.head);
      c.copy(out, got, this.head, this.head + k);
      got += k;
      this.skip(k);
    }
    return out;
  }
}
