import { randomBytes } from 'node:crypto';
import type fs from 'node:fs';
import type { FileAttrs } from '../../attrs.js';
import { SftpStatus } from '../../constants.js';
import { errnoError, SftpError } from '../../errors.js';
import type { OpenFlags, VfsFile } from '../../vfs.js';
import * as io from './fd-ops.js';
import { escapeError, type Jail, type ParentRef } from './jail.js';
import { AtomicUploadFile, LocalFile, type LocalFileContext } from './local-files.js';

const { fdPath, closeQuietly, errCode } = io;
/** More lookups than this in one OPEN (links followed, races lost) is ELOOP. */
const MAX_HOPS = 40;

/** What opening a file needs from the local file system. */
export interface OpenContext {
  readonly jail: Jail;
  readonly umask: number;
  readonly atomicUploads: boolean;
  readonly fileCtx: LocalFileContext;
}

/** True when OPEN flags ask for a fresh file: the uploads that are made atomic. */
function isFreshUpload(f: OpenFlags): boolean {
  return f.write && f.create && f.truncate && !f.append && !f.exclusive;
}

function accessFlags(f: OpenFlags): number {
  return f.read && f.write ? io.O_RDWR : f.write ? io.O_WRONLY : io.O_RDONLY;
}

/**
 * SSH_FXP_OPEN on the jailed local file system. The last component is looked up with O_PATH and
 * O_NOFOLLOW in its parent's descriptor: a symlink is followed by the jail's rules (and may be
 * created through when dangling inside the jail), a FIFO, socket or device is refused before
 * anything opens it for I/O (D08), an existing regular file is re-opened through its own
 * descriptor, and a new file is created with O_EXCL|O_NOFOLLOW. CREAT|TRUNC uploads go to a
 * temporary file (see `AtomicUploadFile`).
 */
export async function openLocal(
  ctx: OpenContext,
  p: string,
  flags: OpenFlags,
  attrs: FileAttrs,
): Promise<VfsFile> {
  if (p === '/') throw errnoError('EISDIR');
  let ref = await ctx.jail.resolveParent(p);
  try {
    for (let hops = 0; ; hops++) {
      if (hops > MAX_HOPS) throw errnoError('ELOOP');
      const fd = await io
        .open(fdPath(ref.dirFd, ref.name), io.O_PATH | io.O_NOFOLLOW)
        .catch((err: unknown) => {
          if (errCode(err) === 'ENOENT') return undefined;
          throw err;
        });
      if (fd === undefined) {
        if (!flags.create) throw errnoError('ENOENT');
        const made = await create(ctx, ref, flags, attrs);
        if (!made) continue; // lost a race with a concurrent create: look again
        if (made instanceof AtomicUploadFile) ref = { ...ref, dirFd: -1 };
        return made;
      }
      let st: fs.Stats;
      try {
        st = await io.fstat(fd);
        if (st.isSymbolicLink()) {
          if (flags.create && flags.exclusive) throw errnoError('EEXIST');
          const next = await ctx.jail.followLink(ref);
          if (!('dirFd' in next)) {
            await closeQuietly(next.fd);
            throw errnoError(next.st.isDirectory() ? 'EISDIR' : 'EINVAL');
          }
          await closeQuietly(ref.dirFd);
          ref = next;
          continue;
        }
        if (st.isDirectory()) throw errnoError('EISDIR');
        // FIFOs, sockets and devices are refused before anything opens them for I/O (D08).
        if (!st.isFile()) throw new SftpError(SftpStatus.PermissionDenied, 'Not a regular file');
        if (flags.create && flags.exclusive) throw errnoError('EEXIST');
        if (isFreshUpload(flags) && ctx.atomicUploads) {
          const up = await createTemp(ctx, ref, flags, st.mode & 0o777, st);
          ref = { ...ref, dirFd: -1 };
          return up;
        }
        return await reopen(ctx, fd, st, flags);
      } finally {
        await closeQuietly(fd);
      }
    }
  } finally {
    if (ref.dirFd !== -1) await closeQuietly(ref.dirFd);
  }
}

/**
 * Opens the very inode an O_PATH descriptor names, with real access flags; dev/ino are compared
 * after the open as a second check that nothing was swapped in between.
 */
async function reopen(ctx: OpenContext, pathFd: number, st: fs.Stats, flags: OpenFlags): Promise<VfsFile> {
  const mode =
    accessFlags(flags) | io.O_NONBLOCK | (flags.truncate ? io.O_TRUNC : 0) | (flags.append ? io.O_APPEND : 0);
  const fd = await io.open(fdPath(pathFd), mode);
  const now = await io.fstat(fd).catch(async (err: unknown) => {
    await closeQuietly(fd);
    throw err;
  });
  if (now.ino !== st.ino || now.dev !== st.dev || !now.isFile()) {
    await closeQuietly(fd);
    throw escapeError();
  }
  return new LocalFile(fd, flags, ctx.fileCtx);
}

/** Creates a new file at `ref`; undefined when the name appeared meanwhile (the caller retries). */
async function create(
  ctx: OpenContext,
  ref: ParentRef,
  flags: OpenFlags,
  attrs: FileAttrs,
): Promise<VfsFile | undefined> {
  const mode = (attrs.permissions ?? 0o666) & 0o777 & ~ctx.umask;
  if (isFreshUpload(flags) && ctx.atomicUploads) return createTemp(ctx, ref, flags, mode);
  const oflags = accessFlags(flags) | io.O_CREAT | io.O_EXCL | io.O_NOFOLLOW | io.O_NONBLOCK;
  let fd: number;
  try {
    fd = await io.open(fdPath(ref.dirFd, ref.name), oflags | (flags.append ? io.O_APPEND : 0), mode);
  } catch (err) {
    if (errCode(err) === 'EEXIST' && !flags.exclusive) return undefined;
    throw err;
  }
  await io.fchmod(fd, mode).catch(() => undefined); // the process umask may have masked more
  return new LocalFile(fd, flags, ctx.fileCtx);
}

/** The temporary file of an atomic upload; takes ownership of `ref.dirFd` on success. */
async function createTemp(
  ctx: OpenContext,
  ref: ParentRef,
  flags: OpenFlags,
  mode: number,
  old?: fs.Stats,
): Promise<AtomicUploadFile> {
  const temp = `.sshd-kit-upload.${randomBytes(8).toString('hex')}`;
  const oflags = accessFlags(flags) | io.O_CREAT | io.O_EXCL | io.O_NOFOLLOW;
  const fd = await io.open(fdPath(ref.dirFd, temp), oflags, 0o600);
  try {
    await io.fchmod(fd, mode);
    if (old && process.getuid?.() === 0) await io.fchown(fd, old.uid, old.gid).catch(() => undefined);
  } catch (err) {
    await closeQuietly(fd);
    await io.unlink(fdPath(ref.dirFd, temp)).catch(() => undefined);
    throw err;
  }
  return new AtomicUploadFile(fd, flags, ctx.fileCtx, ref.dirFd, temp, ref.name);
}
