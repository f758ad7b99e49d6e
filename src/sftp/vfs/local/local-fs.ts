import fs from 'node:fs';
import path from 'node:path';
import type { FileAttrs, FileStat } from '../../attrs.js';
import { SftpStatus } from '../../constants.js';
import { errnoError, SftpError } from '../../errors.js';
import { normalizePath, parentPath } from '../../path.js';
import type { OpenFlags, RenameOptions, Vfs, VfsDir, VfsFile, VfsStatvfs } from '../../vfs.js';
import { readOnlyVfs } from '../read-only.js';
import * as io from './fd-ops.js';
import { escapeError, Jail, type ParentRef } from './jail.js';
import { checkOwner, LocalDir, toFileStat, type LocalFileContext } from './local-files.js';
import { openLocal, type OpenContext } from './local-open.js';

const { fdPath, closeQuietly, errCode } = io;

/** Options of {@link createLocalVfs}: one user's view of a host directory. */
export interface LocalVfsOptions {
  /** The host directory that is `/` for this user; it must exist. */
  readonly root: string;
  /** Refuse every change (PERMISSION_DENIED). */
  readonly readOnly?: boolean;
  /** Mask applied to the modes of created files and directories (default 0o022). */
  readonly umask?: number;
  /**
   * Symlink creation: `inside` (default) allows a link whose target resolves inside the jail and
   * stores it relative, so it stays inside for host tools too; `never` refuses SYMLINK.
   */
  readonly allowSymlinks?: 'inside' | 'never' | boolean;
  /** Write CREAT|TRUNC uploads to a temporary file renamed on CLOSE (default true). */
  readonly atomicUploads?: boolean;
  /** fsync files written to before CLOSE answers (default false). */
  readonly fsyncOnClose?: boolean;
}

class LocalVfs implements Vfs {
  private readonly umask: number;
  private readonly fileCtx: LocalFileContext;
  private readonly openCtx: OpenContext;

  constructor(
    private readonly jail: Jail,
    private readonly rootReal: string,
    private readonly o: LocalVfsOptions,
  ) {
    this.umask = o.umask ?? 0o022;
    this.fileCtx = { statvfs: () => this.statvfs(), fsyncOnClose: o.fsyncOnClose ?? false };
    this.openCtx = {
      jail,
      umask: this.umask,
      atomicUploads: o.atomicUploads !== false,
      fileCtx: this.fileCtx,
    };
  }

  /** Runs `fn` with the parent of `p` and closes the parent descriptor afterwards. */
  private async withParent<T>(p: string, fn: (ref: ParentRef) => Promise<T>): Promise<T> {
    const ref = await this.jail.resolveParent(p);
    try {
      return await fn(ref);
    } finally {
      await closeQuietly(ref.dirFd);
    }
  }

  async realpath(p: string): Promise<string> {
    try {
      const r = await this.jail.resolve(p, true);
      await closeQuietly(r.fd);
      return '/' + r.names.join('/');
    } catch (err) {
      if (errCode(err) !== 'ENOENT' || p === '/') throw err;
      // A missing last component is allowed (clients canonicalise names they are about to create).
      return this.withParent(p, async (ref) => {
        const exists = await io.lstat(fdPath(ref.dirFd, ref.name)).then(
          () => true,
          () => false,
        );
        if (exists) throw err; // a dangling symlink has no canonical name
        return '/' + [...ref.names, ref.name].join('/');
      });
    }
  }

  async stat(p: string): Promise<FileStat> {
    const r = await this.jail.resolve(p, true);
    await closeQuietly(r.fd);
    return toFileStat(r.st);
  }

  async lstat(p: string): Promise<FileStat> {
    if (p === '/') return this.stat(p);
    return this.withParent(p, async (ref) => toFileStat(await io.lstat(fdPath(ref.dirFd, ref.name))));
  }

  async setstat(p: string, a: FileAttrs): Promise<void> {
    const r = await this.jail.resolve(p, true);
    try {
      await this.applyPathAttrs(r.fd, r.st, a);
    } finally {
      await closeQuietly(r.fd);
    }
  }

  /** Applies attributes through an O_PATH descriptor's magic link (no host path involved). */
  private async applyPathAttrs(fd: number, st: fs.Stats, a: FileAttrs): Promise<void> {
    checkOwner(st, a);
    if (a.size !== undefined) {
      if (!st.isFile()) throw errnoError(st.isDirectory() ? 'EISDIR' : 'EINVAL');
      await io.truncate(fdPath(fd), a.size);
    }
    if (a.permissions !== undefined) await io.chmod(fdPath(fd), a.permissions & 0o7777);
    if (a.atime !== undefined && a.mtime !== undefined) await io.utimes(fdPath(fd), a.atime, a.mtime);
  }

  async lsetstat(p: string, a: FileAttrs): Promise<void> {
    if (p === '/') return this.setstat(p, a);
    return this.withParent(p, async (ref) => {
      const entry = fdPath(ref.dirFd, ref.name);
      const fd = await io.open(entry, io.O_PATH | io.O_NOFOLLOW);
      try {
        const st = await io.fstat(fd);
        if (!st.isSymbolicLink()) return await this.applyPathAttrs(fd, st, a);
        // Linux cannot chmod or truncate a symlink itself; times and (no-op) ownership work.
        checkOwner(st, a);
        if (a.size !== undefined || a.permissions !== undefined)
          throw new SftpError(SftpStatus.OpUnsupported);
        if (a.atime !== undefined && a.mtime !== undefined) await io.lutimes(entry, a.atime, a.mtime);
      } finally {
        await closeQuietly(fd);
      }
    });
  }

  open(p: string, flags: OpenFlags, attrs: FileAttrs): Promise<VfsFile> {
    return openLocal(this.openCtx, p, flags, attrs);
  }

  async opendir(p: string): Promise<VfsDir> {
    const r = await this.jail.resolve(p, true);
    try {
      if (!r.st.isDirectory()) throw errnoError('ENOTDIR');
      const dir = await fs.promises.opendir(fdPath(r.fd), {
        encoding: 'buffer' as BufferEncoding,
        bufferSize: 128,
      });
      return new LocalDir(r.fd, dir);
    } catch (err) {
      await closeQuietly(r.fd);
      throw err;
    }
  }

  async mkdir(p: string, attrs: FileAttrs): Promise<void> {
    const mode = (attrs.permissions ?? 0o777) & 0o777 & ~this.umask;
    await this.withParent(p, async (ref) => {
      await io.mkdir(fdPath(ref.dirFd, ref.name), mode);
      // Apply the exact mode (the process umask may have masked more) without following links.
      const fd = await io.open(fdPath(ref.dirFd, ref.name), io.O_PATH | io.O_NOFOLLOW | io.O_DIRECTORY);
      await io.chmod(fdPath(fd), mode).finally(() => closeQuietly(fd));
    });
  }

  rmdir(p: string): Promise<void> {
    return this.withParent(p, (ref) => io.rmdir(fdPath(ref.dirFd, ref.name)));
  }

  remove(p: string): Promise<void> {
    return this.withParent(p, (ref) => io.unlink(fdPath(ref.dirFd, ref.name)));
  }

  async rename(from: string, to: string, options: RenameOptions): Promise<void> {
    await this.withParent(from, (a) =>
      this.withParent(to, async (b) => {
        const src = fdPath(a.dirFd, a.name);
        const dst = fdPath(b.dirFd, b.name);
        if (options.overwrite) return io.rename(src, dst);
        // SSH_FXP_RENAME must not replace: link+unlink for files (as OpenSSH), a check otherwise.
        const st = await io.lstat(src);
        if (!st.isDirectory()) {
          try {
            await io.link(src, dst);
            await io.unlink(src);
            return;
          } catch (err) {
            if (!['EPERM', 'EXDEV', 'ENOSYS', 'EOPNOTSUPP', 'EMLINK'].includes(errCode(err) ?? '')) throw err;
          }
        }
        const exists = await io.lstat(dst).then(
          () => true,
          () => false,
        );
        if (exists) throw errnoError('EEXIST');
        await io.rename(src, dst);
      }),
    );
  }

  async readlink(p: string): Promise<string> {
    return this.withParent(p, async (ref) => {
      const text = await io.readlink(fdPath(ref.dirFd, ref.name));
      if (text.startsWith('/')) return '/' + this.jail.linkParts(text, []).join('/');
      // A relative target is shown as written, provided it stays inside the jail.
      let depth = ref.names.length;
      for (const c of text.split('/')) {
        if (c === '..') {
          if (--depth < 0) throw escapeError();
        } else if (c !== '' && c !== '.') depth++;
      }
      return text;
    });
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    const policy = this.o.allowSymlinks ?? 'inside';
    if (policy === false || policy === 'never')
      throw new SftpError(SftpStatus.PermissionDenied, 'Permission denied');
    // The target as the client meant it, inside the jail, stored relative to the link's directory.
    const dir = parentPath(linkPath);
    const abs = normalizePath(target, dir);
    const rel = path.posix.relative(dir, abs) || '.';
    await this.withParent(linkPath, (ref) => io.symlink(rel, fdPath(ref.dirFd, ref.name)));
  }

  async link(existing: string, newPath: string): Promise<void> {
    await this.withParent(existing, (a) =>
      this.withParent(newPath, (b) => io.link(fdPath(a.dirFd, a.name), fdPath(b.dirFd, b.name))),
    );
  }

  async statvfs(p = '/'): Promise<VfsStatvfs> {
    // The path must resolve inside the jail; the figures are always the root's file system.
    if (p !== '/') await this.stat(p);
    const s = await io.statfs(this.rootReal);
    return {
      bsize: s.bsize,
      frsize: s.bsize,
      blocks: s.blocks,
      bfree: s.bfree,
      bavail: s.bavail,
      files: s.files,
      ffree: s.ffree,
      favail: s.ffree,
      readOnly: this.o.readOnly ?? false,
      namemax: 255,
    };
  }
}

/**
 * A Vfs over a host directory, confined to it (DESIGN.md "SFTP"; catalogue §1.5, D01–D20): paths,
 * `..` and symlinks never lead out on any operation (see {@link Jail}), opened files are checked
 * again after opening, FIFOs, sockets and devices are refused without blocking, and CREAT|TRUNC
 * uploads are atomic (see `AtomicUploadFile`). Linux only: it relies on O_PATH and /proc/self/fd.
 */
export function createLocalVfs(options: LocalVfsOptions): Vfs {
  if (process.platform !== 'linux' || !fs.existsSync('/proc/self/fd')) {
    throw new Error('createLocalVfs needs Linux with /proc mounted (O_PATH and /proc/self/fd)');
  }
  const root = path.resolve(options.root);
  const st = fs.statSync(root);
  if (!st.isDirectory()) throw new Error(`SFTP root ${root} is not a directory`);
  const rootReal = fs.realpathSync(root);
  const vfs = new LocalVfs(new Jail(root, rootReal), rootReal, options);
  return options.readOnly ? readOnlyVfs(vfs) : vfs;
}
