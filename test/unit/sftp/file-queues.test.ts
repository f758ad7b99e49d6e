import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CachedReads } from '../../../src/sftp/vfs/local/cached-read.js';
import {
  FileReadQueue,
  FileWriteQueue,
  writevAll,
  writevAllSync,
} from '../../../src/sftp/vfs/local/file-queues.js';

const dirs: string[] = [];
function tempFile(): { path: string; fd: number } {
  const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-wq-'));
  dirs.push(dir);
  const path = join(dir, 'f');
  return { path, fd: openSync(path, 'w+') };
}
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Two writes to `q` whose first system call fails (ENOSPC, as the caller arranged): the first
 * write fails, the second lands, and the queue remembers the failure (an atomic upload is then
 * discarded on CLOSE).
 */
async function expectFirstWriteToFailAlone(q: FileWriteQueue, path: string, fd: number): Promise<void> {
  expect(q.failed).toBe(false);
  const a = q.write(0, Buffer.from('aaaa'));
  const b = q.write(100, Buffer.from('bbbb'));
  await expect(a).rejects.toMatchObject({ code: 'ENOSPC' });
  await b;
  closeSync(fd);
  expect(readFileSync(path).subarray(100).toString()).toBe('bbbb');
  expect(q.failed).toBe(true);
}

describe('FileWriteQueue through the thread pool', () => {
  it('writes pipelined chunks, in and out of order, byte-exact, joining runs that continue each other', async () => {
    const { path, fd } = tempFile();
    const q = new FileWriteQueue(fd, false);
    const spy = vi.spyOn(fs, 'writev');
    const chunk = 32 * 1024;
    const data = randomBytes(chunk * 40);
    const order = [...Array(40).keys()];
    // Mostly sequential, as a client pipelines them, with a few swapped.
    [order[5], order[9]] = [order[9]!, order[5]!];
    await Promise.all(order.map((i) => q.write(i * chunk, data.subarray(i * chunk, (i + 1) * chunk))));
    closeSync(fd);
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(spy.mock.calls.length).toBeGreaterThan(0);
    expect(spy.mock.calls.length).toBeLessThan(40);
  });

  it('fails the writes of a pwritev that fails, and goes on with the next ones', async () => {
    const { path, fd } = tempFile();
    const q = new FileWriteQueue(fd, false);
    const real = fs.writev;
    let calls = 0;
    vi.spyOn(fs, 'writev').mockImplementation(((...args: Parameters<typeof fs.writev>) => {
      calls++;
      if (calls === 1) {
        const cb = args[args.length - 1] as (err: Error | null, n: number) => void;
        return cb(Object.assign(new Error('no space'), { code: 'ENOSPC' }), 0);
      }
      return (real as (...a: unknown[]) => void)(...args);
    }) as typeof fs.writev);
    await expectFirstWriteToFailAlone(q, path, fd);
  });
});

describe('FileWriteQueue on the event loop (a file kept in memory)', () => {
  it('writes pipelined chunks byte-exact without the pool: the first at once, the rest of the turn together', async () => {
    const { path, fd } = tempFile();
    const q = new FileWriteQueue(fd, true);
    const pool = vi.spyOn(fs, 'writev');
    const sync = vi.spyOn(fs, 'writevSync');
    const chunk = 32 * 1024;
    const data = randomBytes(chunk * 40);
    const writes = Array.from({ length: 40 }, (_, i) =>
      q.write(i * chunk, data.subarray(i * chunk, (i + 1) * chunk)),
    );
    // The queue was idle: the first write went down before write() returned.
    expect(sync.mock.calls.map((c) => [c[2], (c[1] as Uint8Array[]).length])).toEqual([[0, 1]]);
    await Promise.all(writes);
    closeSync(fd);
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(pool).not.toHaveBeenCalled();
    expect(sync.mock.calls.map((c) => [c[2], (c[1] as Uint8Array[]).length])).toEqual([
      [0, 1],
      [chunk, 39],
    ]);
  });

  it('fails the writes of a pwritev that fails, and goes on with the next ones', async () => {
    const { path, fd } = tempFile();
    const q = new FileWriteQueue(fd, true);
    vi.spyOn(fs, 'writevSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    });
    await expectFirstWriteToFailAlone(q, path, fd);
  });

  it('writes at once (writeNow) while no write is queued, and leaves a failure to write() to report', async () => {
    const { path, fd } = tempFile();
    const q = new FileWriteQueue(fd, true);
    expect(q.writeNow(4, Buffer.from('bbbb'))).toBe(true);
    const queued = q.write(8, Buffer.from('cccc'));
    const later = q.write(12, Buffer.from('dddd'));
    // The first queued write went down at once; the second waits for the next turn.
    expect(q.writeNow(0, Buffer.from('aaaa'))).toBe(false);
    await Promise.all([queued, later]);
    expect(q.writeNow(0, Buffer.from('aaaa'))).toBe(true);
    vi.spyOn(fs, 'writevSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    });
    expect(q.writeNow(16, Buffer.from('eeee'))).toBe(false);
    expect(q.failed).toBe(false);
    closeSync(fd);
    expect(readFileSync(path).toString()).toBe('aaaabbbbccccdddd');
  });

  it('never writes at once to a file whose writes go to the pool', () => {
    const { path, fd } = tempFile();
    expect(new FileWriteQueue(fd, false).writeNow(0, Buffer.from('x'))).toBe(false);
    closeSync(fd);
    expect(readFileSync(path).length).toBe(0);
  });
});

describe('writevAll', () => {
  it('finishes short writes, including ones that stop inside a buffer', async () => {
    const { path, fd } = tempFile();
    const real = fs.writev;
    vi.spyOn(fs, 'writev').mockImplementation(((
      fd0: number,
      bufs: Uint8Array[],
      pos: number,
      cb: (e: Error | null, n: number) => void,
    ) =>
      // Write at most 5 bytes per call.
      real(fd0, [Buffer.concat(bufs).subarray(0, 5)], pos, (e, n) =>
        cb(e, n),
      )) as unknown as typeof fs.writev);
    await writevAll(fd, [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('wide world')], 3);
    closeSync(fd);
    expect(readFileSync(path).subarray(3).toString()).toBe('hello wide world');
  });

  it('finishes short writes on the calling thread too (writevAllSync), and fails a write of nothing', () => {
    const { path, fd } = tempFile();
    const real = fs.writevSync;
    const spy = vi
      .spyOn(fs, 'writevSync')
      .mockImplementation(((fd0: number, bufs: Uint8Array[], pos: number) =>
        real(fd0, [Buffer.concat(bufs).subarray(0, 5)], pos)) as typeof fs.writevSync);
    writevAllSync(fd, [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('wide world')], 3);
    expect(readFileSync(path).subarray(3).toString()).toBe('hello wide world');
    expect(spy).toHaveBeenCalledTimes(4);
    spy.mockImplementation(() => 0);
    expect(() => writevAllSync(fd, [Buffer.from('x')], 0)).toThrow(expect.objectContaining({ code: 'EIO' }));
    closeSync(fd);
  });
});

/** A read queue whose every read goes to the thread pool (as without the native addon). */
const poolOnly = (fd: number) => new FileReadQueue(fd, new CachedReads(fd, undefined));

describe('FileReadQueue through the thread pool', () => {
  it('serves pipelined reads of consecutive ranges byte-exact with few preadv calls, short at the end of the file', async () => {
    const { path, fd } = tempFile();
    const data = randomBytes(32 * 1024 * 20 + 1000);
    fs.writeFileSync(path, data);
    const q = poolOnly(fd);
    const spy = vi.spyOn(fs, 'readv');
    const chunk = 32 * 1024;
    const targets = Array.from({ length: 24 }, () => Buffer.alloc(chunk));
    const got = await Promise.all(targets.map((t, i) => q.read(i * chunk, t)));
    closeSync(fd);
    expect(got.slice(0, 20)).toEqual(Array(20).fill(chunk));
    expect(got[20]).toBe(1000);
    expect(got.slice(21)).toEqual([0, 0, 0]);
    expect(Buffer.concat(targets.map((t, i) => t.subarray(0, got[i]))).equals(data)).toBe(true);
    expect(spy.mock.calls.length).toBeLessThan(24);
  });

  it('serves reads that are not contiguous, in any order', async () => {
    const { path, fd } = tempFile();
    const data = randomBytes(100_000);
    fs.writeFileSync(path, data);
    const q = poolOnly(fd);
    const ranges = [
      [50_000, 1000],
      [0, 10],
      [99_990, 100],
      [20_000, 5000],
    ] as const;
    const targets = ranges.map(([, n]) => Buffer.alloc(n));
    const got = await Promise.all(ranges.map(([off], i) => q.read(off, targets[i]!)));
    closeSync(fd);
    expect(got).toEqual([1000, 10, 10, 5000]);
    ranges.forEach(([off], i) =>
      expect(targets[i]!.subarray(0, got[i]).equals(data.subarray(off, off + got[i]!))).toBe(true),
    );
  });

  it('sends the next batch to the pool thread before answering the one that finished', async () => {
    const { path, fd } = tempFile();
    fs.writeFileSync(path, randomBytes(100_000));
    const q = poolOnly(fd);
    const spy = vi.spyOn(fs, 'readv');
    // Two ranges that do not continue each other: two batches, one after the other.
    const first = q.read(0, Buffer.alloc(100));
    const second = q.read(50_000, Buffer.alloc(100));
    let callsWhenFirstAnswered = 0;
    await first.then(() => (callsWhenFirstAnswered = spy.mock.calls.length));
    await second;
    closeSync(fd);
    expect(callsWhenFirstAnswered).toBe(2);
  });
});
