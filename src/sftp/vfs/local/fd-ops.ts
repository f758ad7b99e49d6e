import fs from 'node:fs';
import { promisify } from 'node:util';

/**
 * Linux `O_PATH` (open(2)): a descriptor that names a file without opening it for I/O. Opening
 * one never blocks on a FIFO, never triggers a device driver and follows nothing with O_NOFOLLOW,
 * which is what a safe path walk needs. Node does not export it; the value is the generic Linux
 * one (x86, ARM, RISC-V, PowerPC, s390).
 */
export const O_PATH = 0o10000000;

const C = fs.constants;
export const O_NOFOLLOW = C.O_NOFOLLOW;
export const O_DIRECTORY = C.O_DIRECTORY;
export const O_NONBLOCK = C.O_NONBLOCK;
export const O_CREAT = C.O_CREAT;
export const O_EXCL = C.O_EXCL;
export const O_TRUNC = C.O_TRUNC;
export const O_APPEND = C.O_APPEND;
export const O_RDONLY = C.O_RDONLY;
export const O_WRONLY = C.O_WRONLY;
export const O_RDWR = C.O_RDWR;

/**
 * The path of an open descriptor, or of `name` inside an open directory descriptor. The kernel
 * resolves `/proc/self/fd/N` to the very file the descriptor holds (a "magic link"), so
 * `/proc/self/fd/N/name` behaves as `openat(N, name)`: a directory renamed or swapped for a
 * symlink after we opened it cannot redirect the lookup. Names are single components (no `/`).
 */
export function fdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

export const open = promisify(fs.open) as (path: string, flags: number, mode?: number) => Promise<number>;
export const fstat = promisify(fs.fstat) as (fd: number) => Promise<fs.Stats>;
export const lstat = promisify(fs.lstat) as (path: string) => Promise<fs.Stats>;
export const readlink = promisify(fs.readlink) as (path: string) => Promise<string>;
export const fchmod = promisify(fs.fchmod);
export const fchown = promisify(fs.fchown);
export const ftruncate = promisify(fs.ftruncate) as (fd: number, len: number) => Promise<void>;
export const futimes = promisify(fs.futimes);
export const fsync = promisify(fs.fsync);
export const chmod = promisify(fs.chmod);
export const truncate = promisify(fs.truncate) as (path: string, len: number) => Promise<void>;
export const utimes = promisify(fs.utimes);
export const lutimes = promisify(fs.lutimes);
export const mkdir = promisify(fs.mkdir) as (path: string, mode: number) => Promise<string | undefined>;
export const rmdir = promisify(fs.rmdir) as (path: string) => Promise<void>;
export const unlink = promisify(fs.unlink);
export const rename = promisify(fs.rename);
export const link = promisify(fs.link);
export const symlink = promisify(fs.symlink) as (target: string, path: string) => Promise<void>;
export const statfs = promisify(fs.statfs) as (path: string) => Promise<fs.StatsFs>;

/** pread into `target`; resolves with the bytes read (0 at end of file). */
export function readAt(fd: number, target: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, target, 0, target.length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** pwrite of all of `data` at `position` (looping over short writes). */
export async function writeAll(fd: number, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.write(fd, data, done, data.length - done, position + done, (err, written) =>
        err ? reject(err) : resolve(written),
      ),
    );
    if (n === 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    done += n;
  }
}

/** Closes a descriptor; errors are ignored (there is nothing useful to do with them). */
export function closeQuietly(fd: number | undefined): Promise<void> {
  if (fd === undefined) return Promise.resolve();
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

/** Closes a descriptor and reports errors (for files written to: a failing close can mean lost data). */
export const close = promisify(fs.close);

/** The errno code of an error, if any. */
export function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
