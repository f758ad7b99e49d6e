import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs, {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addonPart } from '../../../src/native/addon.js';
import {
  CachedReads,
  loadNativePageCacheRead,
  NATIVE_READ_ENV,
  nativePageCacheRead,
  type NativePageCacheRead,
  writesOnEventLoop,
} from '../../../src/sftp/vfs/local/cached-read.js';
import { FileReadQueue } from '../../../src/sftp/vfs/local/file-queues.js';

const switchedOff = process.env[NATIVE_READ_ENV] === '0';
const MIB = 1024 * 1024;

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A file of `data` in `parent`, written through to the disk, open for reading. */
function fileIn(parent: string, data: Uint8Array): { path: string; fd: number } {
  const dir = mkdtempSync(join(parent, 'sshd-kit-cached-read-'));
  dirs.push(dir);
  const path = join(dir, 'f');
  writeFileSync(path, data);
  const fd = openSync(path, 'r');
  fsyncSync(fd);
  return { path, fd };
}

/** Drops the file from the page cache (GNU dd's nocache flag: fadvise DONTNEED over the whole file). */
function dropCache(path: string): void {
  execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/** A directory on a disk file system (the temporary directory, or this checkout when that is tmpfs). */
function diskDir(native: NativePageCacheRead): string {
  const { fd } = fileIn(tmpdir(), Buffer.alloc(1));
  const inMemory = native.inMemoryFileSystem(fd);
  closeSync(fd);
  return inMemory ? process.cwd() : tmpdir();
}

/** Whether the disk file system here reads with RWF_NOWAIT (ext4, XFS, btrfs do). */
function nowaitSupported(native: NativePageCacheRead): boolean {
  const { fd } = fileIn(diskDir(native), Buffer.alloc(16));
  const n = native.readCached(fd, [Buffer.alloc(16)], 0);
  closeSync(fd);
  return n !== -constants.errno.EOPNOTSUPP;
}

describe('loading the native page-cache reads', () => {
  it.skipIf(switchedOff)('is built by npm ci and loads in this checkout', () => {
    expect(nativePageCacheRead).toBeDefined();
  });

  it(`is switched off by ${NATIVE_READ_ENV}=0`, () => {
    expect(loadNativePageCacheRead({ [NATIVE_READ_ENV]: '0' })).toBeUndefined();
  });

  it('is missing from an addon without it (one built from an older checkout, say)', () => {
    const readCached = () => 0;
    expect(addonPart(NATIVE_READ_ENV, 'readCached', {}, {})).toBeUndefined();
    expect(addonPart(NATIVE_READ_ENV, 'readCached', {}, { readCached })).toEqual({ readCached });
  });
});

describe.skipIf(!nativePageCacheRead)('readCached (native)', () => {
  const native = nativePageCacheRead!;

  it('reads what is cached into several buffers, and says EAGAIN when nothing is', () => {
    const data = randomBytes(MIB);
    const { path, fd } = fileIn(diskDir(native), data);
    if (!nowaitSupported(native)) return closeSync(fd); // a file system without RWF_NOWAIT
    readFileSync(path);
    const a = Buffer.alloc(1000);
    const b = Buffer.alloc(5000);
    expect(native.readCached(fd, [a, b], 10)).toBe(6000);
    expect(Buffer.concat([a, b]).equals(data.subarray(10, 6010))).toBe(true);
    expect(native.readCached(fd, [Buffer.alloc(100)], MIB - 40)).toBe(40);
    expect(native.readCached(fd, [Buffer.alloc(100)], MIB)).toBe(0);
    dropCache(path);
    expect(native.readCached(fd, [Buffer.alloc(4096)], 0)).toBe(-constants.errno.EAGAIN);
    closeSync(fd);
  });

  it('tells a file on tmpfs from one on the disk, and writes only the first on the event loop', () => {
    const shm = fileIn('/dev/shm', Buffer.alloc(10));
    const disk = fileIn(diskDir(native), Buffer.alloc(10));
    expect(native.inMemoryFileSystem(shm.fd)).toBe(true);
    expect(native.inMemoryFileSystem(disk.fd)).toBe(false);
    expect(writesOnEventLoop(shm.fd, native)).toBe(true);
    expect(writesOnEventLoop(disk.fd, native)).toBe(false);
    // Without the addon nothing tells tmpfs apart: every write goes to the pool.
    expect(writesOnEventLoop(shm.fd, undefined)).toBe(false);
    closeSync(shm.fd);
    closeSync(disk.fd);
  });

  it('refuses bad arguments, and reports a bad descriptor as an errno', () => {
    const { fd } = fileIn('/dev/shm', Buffer.alloc(10));
    const call = (...args: unknown[]) => (native.readCached as (...a: unknown[]) => number)(...args);
    expect(() => call(-1, [Buffer.alloc(1)], 0)).toThrow(/descriptor/);
    expect(() => call(fd, [], 0)).toThrow(/buffers/);
    expect(() =>
      call(
        fd,
        Array.from({ length: 1025 }, () => Buffer.alloc(1)),
        0,
      ),
    ).toThrow(/buffers/);
    expect(() => call(fd, [new Uint16Array(4)], 0)).toThrow(/buffers/);
    expect(() => call(fd, ['abc'], 0)).toThrow(/buffers/);
    expect(() => call(fd, [Buffer.alloc(1)], -1)).toThrow(/position/);
    expect(() => call(fd, [Buffer.alloc(1)], 1.5)).toThrow(/position/);
    expect(() => call(fd, [Buffer.alloc(1)], 2 ** 53)).toThrow(/position/);
    expect(() => call(fd, [Buffer.alloc(1)])).toThrow(/descriptor/);
    closeSync(fd);
    expect(call(fd, [Buffer.alloc(1)], 0)).toBe(-constants.errno.EBADF);
  });
});

describe.skipIf(!nativePageCacheRead)('FileReadQueue on cached files', () => {
  const native = nativePageCacheRead!;
  const chunk = 32 * 1024;

  it('serves a file on tmpfs without the thread pool, byte-exact, short at its end', async () => {
    const data = randomBytes(chunk * 20 + 1000);
    const { fd } = fileIn('/dev/shm', data);
    const q = new FileReadQueue(fd, new CachedReads(fd, native));
    const spy = vi.spyOn(fs, 'readv');
    const targets = Array.from({ length: 24 }, () => Buffer.alloc(chunk));
    const got = await Promise.all(targets.map((t, i) => q.read(i * chunk, t)));
    closeSync(fd);
    expect(got.slice(0, 20)).toEqual(Array(20).fill(chunk));
    expect(got.slice(20)).toEqual([1000, 0, 0, 0]);
    expect(Buffer.concat(targets.map((t, i) => t.subarray(0, got[i]))).equals(data)).toBe(true);
    expect(spy).not.toHaveBeenCalled();
  });

  it('reads the cached start of a run on the event loop and only the rest through the pool', async () => {
    if (!nowaitSupported(native)) return; // a file system without RWF_NOWAIT
    const data = randomBytes(4 * MIB);
    const { path, fd } = fileIn(diskDir(native), data);
    readFileSync(path);
    // The page cache ends at 2 MiB: what the kernel holds is not the test's to decide (it reads
    // ahead), so a window onto the real reads says "not cached" past that.
    const results: number[] = [];
    const cachedUpTo = (limit: number): NativePageCacheRead => ({
      readCached: (f, buffers, position) => {
        if (position >= limit) return results[results.push(-constants.errno.EAGAIN) - 1]!;
        const within: Uint8Array[] = [];
        let room = limit - position;
        for (const b of buffers) {
          if (room === 0) break;
          within.push(b.subarray(0, Math.min(b.length, room)));
          room -= within[within.length - 1]!.length;
        }
        return results[results.push(native.readCached(f, within, position)) - 1]!;
      },
      inMemoryFileSystem: () => false,
    });
    const q = new FileReadQueue(fd, new CachedReads(fd, cachedUpTo(2 * MIB)));
    const spy = vi.spyOn(fs, 'readv');
    // 32 requests from 1 MiB on: the first alone (the queue was idle), then one batch of 31.
    const targets = Array.from({ length: (2 * MIB) / chunk }, () => Buffer.alloc(chunk));
    const got = await Promise.all(targets.map((t, i) => q.read(MIB + i * chunk, t)));
    closeSync(fd);
    expect(got).toEqual(Array(targets.length).fill(chunk));
    expect(Buffer.concat(targets).equals(data.subarray(MIB, 3 * MIB))).toBe(true);
    expect(results).toEqual([chunk, MIB - chunk, -constants.errno.EAGAIN]);
    expect(spy.mock.calls.map((c) => [c[2], (c[1] as Uint8Array[]).length])).toEqual([[2 * MIB, 32]]);
  });

  it('reads at once (readNow) what is in memory, and leaves to read() what is not, or a busy queue', async () => {
    const data = randomBytes(chunk * 3 + 100);
    const { fd } = fileIn('/dev/shm', data);
    const q = new FileReadQueue(fd, new CachedReads(fd, native));
    const target = Buffer.alloc(chunk);
    expect(q.readNow(chunk, target)).toBe(chunk);
    expect(target.equals(data.subarray(chunk, 2 * chunk))).toBe(true);
    expect(q.readNow(3 * chunk, target)).toBe(100);
    expect(target.subarray(0, 100).equals(data.subarray(3 * chunk))).toBe(true);
    expect(q.readNow(4 * chunk, target)).toBe(0);
    // A read queued or under way: the quick read would pass it.
    const queued = q.read(0, Buffer.alloc(chunk));
    expect(q.readNow(0, target)).toBeUndefined();
    expect(await queued).toBe(chunk);
    expect(q.readNow(0, target)).toBe(chunk);
    closeSync(fd);
    // Nothing cached, or only the start: undefined, whatever was read into the target.
    const { fd: diskFd } = fileIn(tmpdir(), data);
    const cachedBytes = (n: number): NativePageCacheRead => ({
      readCached: (f, buffers, position) =>
        position >= n
          ? -constants.errno.EAGAIN
          : native.readCached(f, [buffers[0]!.subarray(0, n - position)], position),
      inMemoryFileSystem: () => false,
    });
    expect(
      new FileReadQueue(diskFd, new CachedReads(diskFd, cachedBytes(0))).readNow(0, target),
    ).toBeUndefined();
    expect(
      new FileReadQueue(diskFd, new CachedReads(diskFd, cachedBytes(1000))).readNow(0, target),
    ).toBeUndefined();
    expect(new FileReadQueue(diskFd, new CachedReads(diskFd, cachedBytes(chunk))).readNow(0, target)).toBe(
      chunk,
    );
    closeSync(diskFd);
  });

  it('sends a run that is not cached at all to the pool', async () => {
    const data = randomBytes(2 * MIB);
    const { path, fd } = fileIn(diskDir(native), data);
    const supported = nowaitSupported(native);
    dropCache(path);
    const q = new FileReadQueue(fd, new CachedReads(fd, native));
    const spy = vi.spyOn(fs, 'readv');
    const target = Buffer.alloc(MIB);
    expect(await q.read(MIB, target)).toBe(MIB);
    closeSync(fd);
    expect(target.equals(data.subarray(MIB))).toBe(true);
    if (supported) expect(spy.mock.calls.map((c) => c[2])).toEqual([MIB]);
  });
});
