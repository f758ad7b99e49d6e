import fs from 'node:fs';
import { CachedReads, nativePageCacheRead, writesOnEventLoop } from './cached-read.js';

/** Most requests joined into one preadv or pwritev (Linux IOV_MAX is 1024). */
const MAX_BATCH = 64;

/** A request waiting for its system call: `bytes` at `offset`, to write or to read into. */
interface Pending<R> {
  readonly offset: number;
  readonly bytes: Uint8Array;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

function pwritev(fd: number, buffers: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.writev(fd, buffers, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** `buffers` without their first `n` bytes (and without the buffers those bytes used up). */
function afterBytes(buffers: readonly Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < buffers.length && n >= buffers[i]!.length) n -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (n > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}

/** `buffers` without the `n` bytes a pwritev just wrote; a write of nothing fails (EIO). */
function afterWritten(buffers: readonly Uint8Array[], n: number): Uint8Array[] {
  if (n === 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
  return afterBytes(buffers, n);
}

/** pwritev of all of `buffers` at `position` on a pool thread, looping over short writes. */
export async function writevAll(fd: number, buffers: readonly Uint8Array[], position: number): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  while (rest.length > 0) {
    const n = await pwritev(fd, rest, position);
    position += n;
    rest = afterWritten(rest, n);
  }
}

/** As {@link writevAll}, on the calling thread. */
export function writevAllSync(fd: number, buffers: readonly Uint8Array[], position: number): void {
  let rest = buffers.filter((b) => b.length > 0);
  while (rest.length > 0) {
    const n = fs.writevSync(fd, rest, position);
    position += n;
    rest = afterWritten(rest, n);
  }
}

/** A batch handed to its system call, and the call's result once it is done. */
interface InFlight<R> {
  readonly batch: Pending<R>[];
  readonly call: Promise<number>;
}

/**
 * The requests of one open file, one system call at a time: each call takes the first waiting
 * request and those that continue it (up to {@link MAX_BATCH}), so pipelined requests for
 * consecutive ranges go down together. `perform` makes the call (resolving with its byte count)
 * and `settle` answers the batch from it.
 *
 * When a call finishes, the next batch goes to the pool thread before the finished one is
 * answered: answering it is the main thread's work (for reads, sealing and sending the data), and
 * the pool thread would otherwise wait for all of it before its next read.
 */
class ContiguousQueue<R> {
  private pending: Pending<R>[] = [];
  private running = false;

  constructor(
    private readonly perform: (batch: readonly Pending<R>[]) => Promise<number>,
    private readonly settle: (batch: readonly Pending<R>[], n: number) => void,
    /** Sort by offset before each call (requests that may arrive slightly out of order). */
    private readonly sortFirst: boolean,
  ) {}

  /** Whether no request is queued or under way. */
  get idle(): boolean {
    return !this.running && this.pending.length === 0;
  }

  /** Queues `bytes` at `offset`; resolves with what `settle` settles it with. */
  add(offset: number, bytes: Uint8Array): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ offset, bytes, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    let inFlight = this.start();
    while (inFlight) {
      const { batch, call } = inFlight;
      let n = 0;
      let error: unknown;
      try {
        n = await call;
      } catch (err) {
        error = err ?? new Error('file operation failed');
      }
      inFlight = this.start();
      if (error === undefined) this.settle(batch, n);
      else for (const r of batch) r.reject(error);
    }
    this.running = false;
  }

  /** Starts the system call for the next batch, if a request is waiting. */
  private start(): InFlight<R> | undefined {
    if (this.pending.length === 0) return undefined;
    if (this.sortFirst) this.pending.sort((a, b) => a.offset - b.offset);
    const first = this.pending.shift()!;
    const batch = [first];
    let end = first.offset + first.bytes.length;
    while (batch.length < MAX_BATCH && this.pending.length > 0 && this.pending[0]!.offset === end) {
      const next = this.pending.shift()!;
      batch.push(next);
      end += next.bytes.length;
    }
    return { batch, call: this.perform(batch) };
  }
}

/**
 * The writes of one open file, one system call at a time: pipelined SFTP WRITEs would otherwise
 * run on several pool threads at once and contend for the file's lock (burning CPU for nothing),
 * and writes that continue each other go down together as one pwritev. Each write settles when
 * its bytes are written; a failed pwritev fails the writes it carried. The calls are made by the
 * thread pool, or on the event loop for a file kept in memory ({@link writesOnEventLoop}); there
 * the first write of a burst goes down at once and those queued behind it in the same turn of
 * the loop together after it.
 */
export class FileWriteQueue {
  private readonly queue: ContiguousQueue<void>;
  /** Whether a write has failed (an atomic upload is then discarded, not put in place). */
  failed = false;

  constructor(
    private readonly fd: number,
    private readonly onEventLoop = writesOnEventLoop(fd, nativePageCacheRead),
  ) {
    const writeAll = onEventLoop ? writevAllSync : writevAll;
    this.queue = new ContiguousQueue<void>(
      // Async, so that a failed write on the event loop rejects its batch instead of throwing.
      async (batch) => {
        try {
          await writeAll(
            fd,
            batch.map((w) => w.bytes),
            batch[0]!.offset,
          );
        } catch (err) {
          this.failed = true;
          throw err;
        }
        return 0;
      },
      (batch) => {
        for (const w of batch) w.resolve();
      },
      false,
    );
  }

  /** Writes all of `data` at `offset`. */
  write(offset: number, data: Uint8Array): Promise<void> {
    return this.queue.add(offset, data);
  }

  /**
   * Writes all of `data` at `offset` on the calling thread, for a file kept in memory while no
   * write is queued or under way: true when written; false to go through {@link write}, which a
   * failed attempt also leaves to report the error (writing the same bytes again is harmless).
   */
  writeNow(offset: number, data: Uint8Array): boolean {
    if (!this.onEventLoop || !this.queue.idle) return false;
    try {
      writevAllSync(this.fd, [data], offset);
      return true;
    } catch {
      return false;
    }
  }
}

function preadv(fd: number, buffers: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.readv(fd, buffers, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/**
 * Reads `buffers` from `position` on the event loop as far as the page cache allows
 * ({@link CachedReads}), and the rest, if any, through the thread pool.
 */
async function readCachedFirst(
  cached: CachedReads,
  buffers: Uint8Array[],
  position: number,
): Promise<number> {
  const fd = cached.fd;
  let done = 0;
  let rest = buffers;
  while (rest.length > 0) {
    const n = cached.read(rest, position + done);
    // Not cached (or failed: the pool's read reports it).
    if (n === undefined) return done + (await preadv(fd, rest, position + done));
    if (n === 0) break; // the end of the file
    done += n;
    // Short: the file ends there, or only the start was cached; the next call tells which.
    rest = afterBytes(rest, n);
  }
  return done;
}

/**
 * The reads of one open file, one system call at a time, with reads that continue each other
 * joined into one preadv straight into each request's buffer. A client pipelines many small
 * READs of consecutive ranges (ssh2's fastGet: 64 of 32 KiB); one system call per batch instead
 * of per request is most of the cost of serving them, and what the page cache holds is read
 * without a pool thread at all. Each read resolves with the bytes it got (0 at end of file).
 * Reads are usually issued in offset order but may arrive slightly out of it, so the queue is
 * sorted before each call.
 */
export class FileReadQueue {
  private readonly queue: ContiguousQueue<number>;

  constructor(
    fd: number,
    private readonly cached: CachedReads = new CachedReads(fd, nativePageCacheRead),
  ) {
    this.queue = new ContiguousQueue<number>(
      (batch) =>
        readCachedFirst(
          cached,
          batch.map((r) => r.bytes),
          batch[0]!.offset,
        ),
      (batch, n) => {
        // A regular file reads short only at its end: the first requests get their bytes, the rest 0.
        for (const r of batch) {
          const got = Math.min(n, r.bytes.length);
          n -= got;
          r.resolve(got);
        }
      },
      true,
    );
  }

  /** Reads into `target` from `offset`; resolves with the bytes read. */
  read(offset: number, target: Uint8Array): Promise<number> {
    return this.queue.add(offset, target);
  }

  /**
   * Reads into `target` from `offset` on the calling thread when nothing is queued and the page
   * cache holds all of it (or the file ends in it): the bytes read, else undefined.
   */
  readNow(offset: number, target: Uint8Array): number | undefined {
    if (!this.queue.idle) return undefined;
    let done = 0;
    while (done < target.length) {
      const n = this.cached.read([done === 0 ? target : target.subarray(done)], offset + done);
      if (n === undefined) return undefined;
      if (n === 0) break;
      done += n;
    }
    return done;
  }
}
