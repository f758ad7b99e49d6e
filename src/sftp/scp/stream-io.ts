import type { Readable, Writable } from 'node:stream';

/** The peer went away in the middle of the protocol. */
export class ScpConnectionLost extends Error {
  override readonly name = 'ScpConnectionLost';
}

/**
 * Pull-style reading of a Readable for the line-and-bytes scp protocol. At most about
 * `highWater` bytes are buffered: beyond that the stream is paused until the protocol consumes.
 */
export class StreamReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private failed: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly input: Readable,
    private readonly highWater = 1024 * 1024,
  ) {
    input.on('data', this.onData);
    input.on('end', this.onEnd);
    input.on('close', this.onEnd);
    input.on('error', this.onError);
  }

  private readonly onData = (c: Buffer | string): void => {
    const b = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
    this.chunks.push(b);
    this.size += b.length;
    if (this.size >= this.highWater) this.input.pause();
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (err: Error): void => {
    this.failed = err;
    this.notify();
  };

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits until data, end or error; false at end of stream with nothing buffered. */
  private async fill(): Promise<boolean> {
    while (this.size === 0) {
      if (this.failed) throw new ScpConnectionLost(this.failed.message);
      if (this.ended) return false;
      this.input.resume();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return true;
  }

  private consume(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (n === first.length) {
      this.chunks.shift();
      out = first;
    } else {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    }
    this.size -= n;
    if (this.size < this.highWater / 2 && !this.ended) this.input.resume();
    return out;
  }

  /** Waits for data or the end of the stream: true at the end with nothing left to read. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  /** One byte, or null at end of stream. */
  async readByte(): Promise<number | null> {
    if (!(await this.fill())) return null;
    return this.consume(1)[0]!;
  }

  /** Bytes up to `\n` (not included); throws past `max` bytes or at end of stream mid-line. */
  async readLine(max = 64 * 1024): Promise<string> {
    const parts: Buffer[] = [];
    let len = 0;
    for (;;) {
      if (!(await this.fill())) throw new ScpConnectionLost('connection closed mid-line');
      const first = this.chunks[0]!;
      const nl = first.indexOf(0x0a);
      const take = nl === -1 ? first.length : nl;
      if (len + take > max) throw new ScpConnectionLost('protocol line too long');
      parts.push(this.consume(take));
      len += take;
      if (nl !== -1) {
        this.consume(1);
        return Buffer.concat(parts).toString('utf8');
      }
    }
  }

  /** Up to `max` bytes (at least one), or null at end of stream. */
  async readChunk(max: number): Promise<Buffer | null> {
    if (!(await this.fill())) return null;
    return this.consume(Math.min(max, this.chunks[0]!.length));
  }

  /** Stops listening to the stream. */
  detach(): void {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onEnd);
    this.input.off('error', this.onError);
    this.input.on('error', () => undefined);
  }
}

/** Writes with backpressure: resolves once the stream can take more. */
export async function writeOut(out: Writable, data: Buffer | string): Promise<void> {
  if (out.destroyed || !out.writable) throw new ScpConnectionLost('output closed');
  if (out.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new ScpConnectionLost('output closed'));
    const onError = (e: Error): void => done(new ScpConnectionLost(e.message));
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}
