import type { Dir, Stats } from 'node:fs';
import type { FileAttrs, FileStat } from '../../attrs.js';
import { SftpStatus } from '../../constants.js';
import { SftpError } from '../../errors.js';
import type { DirEntry, OpenFlags, VfsDir, VfsFile, VfsStatvfs } from '../../vfs.js';
import {
  close,
  closeQuietly,
  errCode,
  fchmod,
  fdPath,
  fstat,
  fsync,
  ftruncate,
  futimes,
  lstat,
  readAt,
  rename,
  unlink,
} from './fd-ops.js';
import { FileReadQueue, FileWriteQueue } from './file-queues.js';

/** Names of in-progress atomic uploads: hidden from listings, never the client's own names. */
export const UPLOAD_TEMP = /^\.sshd-kit-upload\.[0-9a-f]{16}$/;

/** A Node stat as the server's {@link FileStat}. */
export function toFileStat(s: Stats): FileStat {
  return {
    size: s.size,
    uid: s.uid,
    gid: s.gid,
    permissions: s.mode,
    atime: Math.floor(s.atimeMs / 1000),
    mtime: Math.floor(s.mtimeMs / 1000),
    nlink: s.nlink,
  };
}

/** Ownership cannot be changed by a jailed user (asking for the current owner is a no-op). */
export function checkOwner(s: { uid: number; gid: number }, a: FileAttrs): void {
  if ((a.uid !== undefined && a.uid !== s.uid) || (a.gid !== undefined && a.gid !== s.gid)) {
    throw new SftpError(SftpStatus.PermissionDenied, 'Changing owner is not permitted');
  }
}

/** What an open local file needs from its file system. */
export interface LocalFileContext {
  readonly statvfs: () => Promise<VfsStatvfs>;
  readonly fsyncOnClose: boolean;
}

/** A regular file opened in place. */
export class LocalFile implements VfsFile {
  protected closed = false;
  private writes: FileWriteQueue | undefined;
  private reads: FileReadQueue | undefined;

  constructor(
    protected readonly fd: number,
    protected readonly flags: OpenFlags,
    protected readonly ctx: LocalFileContext,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array | null> {
    const buf = Buffer.allocUnsafe(length);
    const n = await readAt(this.fd, buf, offset);
    return n === 0 ? null : buf.subarray(0, n);
  }

  readInto(offset: number, target: Uint8Array): Promise<number> {
    return (this.reads ??= new FileReadQueue(this.fd)).read(offset, target);
  }

  readIntoNow(offset: number, target: Uint8Array): number | undefined {
    return (this.reads ??= new FileReadQueue(this.fd)).readNow(offset, target);
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return (this.writes ??= new FileWriteQueue(this.fd)).write(offset, data);
  }

  writeNow(offset: number, data: Uint8Array): boolean {
    return (this.writes ??= new FileWriteQueue(this.fd)).writeNow(offset, data);
  }

  /** Whether a write to the file has failed (out of space, say). */
  protected get writeFailed(): boolean {
    return this.writes?.failed ?? false;
  }

  async fstat(): Promise<FileStat> {
    return toFileStat(await fstat(this.fd));
  }

  async fsetstat(a: FileAttrs): Promise<void> {
    if (a.uid !== undefined || a.gid !== undefined) checkOwner(await fstat(this.fd), a);
    if (a.size !== undefined) await ftruncate(this.fd, a.size);
    if (a.permissions !== undefined) await fchmod(this.fd, a.permissions & 0o7777);
    if (a.atime !== undefined && a.mtime !== undefined) await futimes(this.fd, a.atime, a.mtime);
  }

  async fsync(): Promise<void> {
    await fsync(this.fd);
  }

  fstatvfs(): Promise<VfsStatvfs> {
    return this.ctx.statvfs();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ctx.fsyncOnClose && this.flags.write) await fsync(this.fd).catch(() => undefined);
    await close(this.fd);
  }
}

/**
 * An upload opened with CREAT|TRUNC, written to a hidden temporary file in the target's directory
 * and renamed over the final name on CLOSE. A client that disconnects mid-upload, or whose write
 * failed (the disk full, say), leaves the old file (or no file) under that name, never a partial
 * one: {@link abort} removes the temporary, and so does a CLOSE after a failed write, which fails.
 * The directory is held by descriptor from OPEN to CLOSE, so the rename lands where OPEN looked.
 */
export class AtomicUploadFile extends LocalFile {
  readonly replacesOnClose = true;

  constructor(
    fd: number,
    flags: OpenFlags,
    ctx: LocalFileContext,
    private readonly dirFd: number,
    private readonly tempName: string,
    private readonly finalName: string,
  ) {
    super(fd, flags, ctx);
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    if (this.writeFailed) {
      // Whatever the client does after a failed write, a partial upload never replaces the file.
      await this.abort();
      throw new SftpError(
        SftpStatus.Failure,
        'A write failed: the upload was discarded, the file left as it was',
      );
    }
    this.closed = true;
    let fdOpen = true;
    try {
      if (this.ctx.fsyncOnClose) await fsync(this.fd);
      fdOpen = false;
      await close(this.fd);
      await rename(fdPath(this.dirFd, this.tempName), fdPath(this.dirFd, this.finalName));
    } catch (err) {
      if (fdOpen) await closeQuietly(this.fd);
      await unlink(fdPath(this.dirFd, this.tempName)).catch(() => undefined);
      throw err;
    } finally {
      await closeQuietly(this.dirFd);
    }
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeQuietly(this.fd);
    await unlink(fdPath(this.dirFd, this.tempName)).catch(() => undefined);
    await closeQuietly(this.dirFd);
  }
}

/** An open directory; entries are stat'ed relative to the directory's own descriptor. */
export class LocalDir implements VfsDir {
  constructor(
    private readonly pathFd: number,
    private readonly dir: Dir,
  ) {}

  async next(): Promise<readonly DirEntry[] | null> {
    const names: string[] = [];
    const decoder = new TextDecoder('utf-8', { fatal: true });
    while (names.length < 100) {
      const d = await this.dir.read();
      if (!d) break;
      let name: string;
      try {
        // Names that are not valid UTF-8 are left out: shown lossily they could alias another name.
        name = decoder.decode(d.name as unknown as Buffer);
      } catch {
        continue;
      }
      if (name === '.' || name === '..' || UPLOAD_TEMP.test(name)) continue;
      names.push(name);
    }
    if (names.length === 0) return null;
    const entries = await Promise.all(
      names.map(async (name) => {
        try {
          return { name, stat: toFileStat(await lstat(fdPath(this.pathFd, name))) };
        } catch (err) {
          if (errCode(err) === 'ENOENT') return undefined; // removed meanwhile
          throw err;
        }
      }),
    );
    const out = entries.filter((e): e is DirEntry => e !== undefined);
    return out.length > 0 ? out : this.next();
  }

  async close(): Promise<void> {
    await this.dir.close().catch(() => undefined);
    await closeQuietly(this.pathFd);
  }
}
