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
