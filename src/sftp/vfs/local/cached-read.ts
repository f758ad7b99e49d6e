import fs from 'node:fs';
import { constants } from 'node:os';
import { addonPart } from '../../../native/addon.js';

/** The page-cache reads of the native addon (`native/page-cache-read.c`). */
export interface NativePageCacheRead {
  /**
   * Reads into `buffers` from `position` only what the page cache holds (preadv2 with
   * RWF_NOWAIT): the bytes read, 0 at end of file, or a negative errno (`-EAGAIN`: nothing cached;
   * `-EOPNOTSUPP`: the file system cannot read without blocking).
   */
  readCached(fd: number, buffers: readonly Uint8Array[], position: number): number;
  /** Whether the file is on a file system kept in memory (tmpfs, ramfs). */
  inMemoryFileSystem(fd: number): boolean;
}

/** Set to `0` to send every file read to the thread pool even when the native addon is built. */
export const NATIVE_READ_ENV = 'SSHD_KIT_NATIVE_READ';

/** The native page-cache reads, or undefined when switched off ({@link NATIVE_READ_ENV}=0) or not built. */
export function loadNativePageCacheRead(
  env: NodeJS.ProcessEnv = process.env,
): NativePageCacheRead | undefined {
  return addonPart<NativePageCacheRead>(NATIVE_READ_ENV, 'readCached', env);
}

/** The native page-cache reads for this process, or undefined (see {@link loadNativePageCacheRead}). */
export const nativePageCacheRead: NativePageCacheRead | undefined = loadNativePageCacheRead();

/**
 * Whether the open file `fd` is written on the event loop rather than by libuv's thread pool: only
 * on a file system kept in memory (tmpfs, ramfs), whose writes wait for no device, only for memory,
 * like the server's own heap. A pool thread's round trip per write batch (two wake-ups and an
 * event-loop callback) cost 11–18% of the server's CPU on a tmpfs upload. On a disk file system a
 * buffered write can wait for dirty-page throttling or the journal, which would stall every
 * connection, and Linux 6.18 refuses `RWF_NOWAIT` for buffered writes on ext4 (EOPNOTSUPP), so
 * its writes stay on the pool.
 */
export function writesOnEventLoop(fd: number, native: NativePageCacheRead | undefined): boolean {
  return native?.inMemoryFileSystem(fd) ?? false;
}

/**
 * How one open file is read on the event loop, when it can be without waiting for a device:
 * - `nowait`: what the page cache holds, through {@link NativePageCacheRead.readCached};
 * - `memory`: a plain read, for a file system kept in memory (tmpfs, ramfs), which cannot say
 *   "not cached" because everything is; its pages wait only for swap, like the server's own heap;
 * - `pool`: never; every read goes to libuv's thread pool.
 */
type CachedReadMode = 'nowait' | 'memory' | 'pool';

/**
 * The reads of one open file that need no thread: a pipelined download's next bytes are nearly
 * always in memory already, and sending each read to libuv's pool costs two thread wake-ups and a
 * trip through the event loop (measured: 4–12% of the server's CPU on a cached download).
 */
export class CachedReads {
  private mode: CachedReadMode;

  constructor(
    /** The open file. */
    readonly fd: number,
    private readonly native: NativePageCacheRead | undefined,
  ) {
    this.mode = native ? 'nowait' : 'pool';
  }

  /**
   * Reads into `buffers` from `position` what can be read at once: the bytes read (possibly
   * fewer than asked, when only the start is cached or the file ends there), or undefined when
   * the read must go to the thread pool: nothing is cached, or it failed (the pool's read then
   * reports the error).
   */
  read(buffers: readonly Uint8Array[], position: number): number | undefined {
    switch (this.mode) {
      case 'pool':
        return undefined;
      case 'memory':
        try {
          return fs.readvSync(this.fd, buffers as Uint8Array[], position);
        } catch {
          return undefined;
        }
      case 'nowait': {
        const n = this.native!.readCached(this.fd, buffers, position);
        if (n >= 0) return n;
        if (n !== -constants.errno.EOPNOTSUPP) return undefined;
        this.mode = this.native!.inMemoryFileSystem(this.fd) ? 'memory' : 'pool';
        return this.read(buffers, position);
      }
    }
  }
}
