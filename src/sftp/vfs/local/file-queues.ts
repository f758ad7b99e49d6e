import fs from 'node:fs';

/** Most writes joined into one pwritev (Linux IOV_MAX is 1024). */
const MAX_BATCH = 64;

interface PendingWrite {
  readonly offset: number;
  readonly data: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

function pwritev(fd: number, buffers: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.writev(fd, buffers, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** pwritev of all of `buffers` at `position`, looping over short writes. */
export async function writevAll(fd: number, buffers: readonly Uint8Array[], position: number): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  while (rest.length > 0) {
    const n = await pwritev(fd, rest, position);
    if (n === 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    position += n;
    let skip = n;
    while (skip > 0 && skip >= rest[0]!.length) skip -= rest.shift()!.length;
    if (skip > 0) rest = [rest[0]!.subarray(skip), ...rest.slice(1)];
  }
}

/**
 * The writes of one open file, one system call at a time: pipelined SFTP WRITEs would otherwise
 * run on several pool threads at once and contend for the file's lock (burning CPU for nothing),
 * and writes that continue each other go down together as one pwritev. Each write settles when
 * its bytes are written; a failed pwritev fails the writes it carried.
 */
export class FileWriteQueue {
  private pending: PendingWrite[] = [];
  private running = false;

  constructor(private readonly fd: number) {}

  /** Writes all of `data` at `offset`. */
  write(offset: number, data: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ offset, data, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.pending.length > 0) {
      const first = this.pending.shift()!;
      const batch = [first];
      let end = first.offset + first.data.length;
      while (batch.length < MAX_BATCH && this.pending.length > 0 && this.pending[0]!.offset === end) {
        const next = this.pending.shift()!;
        batch.push(next);
        end += next.data.length;
      }
      try {
        await writevAll(
          this.fd,
          batch.map((w) => w.data),
          first.offset,
        );
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
  }
}

interface PendingRead {
  readonly offset: number;
  readonly target: Uint8Array;
  readonly resolve: (n: number) => void;
  readonly reject: (err: unknown) => void;
}

function preadv(fd: number, buffers: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.readv(fd, buffers, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/**
 * The reads of one open file, one system call at a time, with reads that continue each other
 * joined into one preadv straight into each request's buffer. A client pipelines many small
 * READs of consecutive ranges (ssh2's fastGet: 64 of 32 KiB); one pool-thread round trip per
 * batch instead of per request is most of the cost of serving them. Each read resolves with the
 * bytes it got (0 at end of file).
 */
export class FileReadQueue {
  private pending: PendingRead[] = [];
  private running = false;

  constructor(private readonly fd: number) {}

  /** Reads into `target` from `offset`; resolves with the bytes read. */
  read(offset: number, target: Uint8Array): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ offset, target, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.pending.length > 0) {
      // Reads are usually issued in offset order but may arrive slightly out of it.
      this.pending.sort((a, b) => a.offset - b.offset);
      const first = this.pending.shift()!;
      const batch = [first];
      let end = first.offset + first.target.length;
      while (batch.length < MAX_BATCH && this.pending.length > 0 && this.pending[0]!.offset === end) {
        const next = this.pending.shift()!;
        batch.push(next);
        end += next.target.length;
      }
      try {
        let n = await preadv(
          this.fd,
          batch.map((r) => r.target),
          first.offset,
        );
        // A regular file reads short only at its end: the first requests get their bytes, the rest 0.
        for (const r of batch) {
          const got = Math.min(n, r.target.length);
          n -= got;
          r.resolve(got);
        }
      } catch (err) {
        for (const r of batch) r.reject(err);
      }
    }
    this.running = false;
  }
}
