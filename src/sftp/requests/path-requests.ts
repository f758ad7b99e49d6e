import { isSymlinkMode } from '../attrs.js';
import { SftpStatus } from '../constants.js';
import { SftpError } from '../errors.js';
import type { FileHandle } from '../handles.js';
import {
  FxpLstat,
  FxpMkdir,
  FxpReadlink,
  FxpRealpath,
  FxpRemove,
  FxpRename,
  FxpRmdir,
  FxpSetstat,
  FxpStat,
  FxpSymlink,
} from '../packets.js';
import { MAX_PATH_BYTES } from '../path.js';
import { attrsReply, okReply, singleNameReply } from '../replies.js';
import {
  EXCLUSIVE,
  resolvePath,
  sanitizeAttrs,
  SHARED,
  type Claim,
  type RequestHandler,
  type SessionContext,
} from './types.js';

type PathPacket = { decodeBody(payload: Uint8Array, offset: number): { id: number; path: string } };

/** A request taking one path, answered by `act` under the path lock. */
function onePath(
  name: string,
  packet: PathPacket,
  changes: boolean,
  act: (ctx: SessionContext, path: string, id: number) => Promise<Buffer>,
): RequestHandler {
  return {
    name,
    report: true,
    prepare(payload, _id, ctx) {
      const p = packet.decodeBody(payload, 1);
      const path = resolvePath(ctx, p.path);
      return {
        claims: [[ctx.pathLock, changes ? EXCLUSIVE : SHARED]],
        cost: payload.length,
        path,
        run: () => act(ctx, path, p.id),
      };
    },
  };
}

/** The jail root can be listed and changed, never removed or renamed (catalogue D19). */
function notRoot(path: string): string {
  if (path === '/') throw new SftpError(SftpStatus.PermissionDenied, 'Permission denied');
  return path;
}

/**
 * The atomic upload this session has open at `path` (see `VfsFile.replacesOnClose`). Until its
 * CLOSE the path shows the old file or none, but the session that opened it finds the upload
 * there, as on a file system after open(O_CREAT|O_TRUNC): sshfs sends an LSTAT right behind its
 * OPEN and gives up on the file when that fails, and a chmod or utime through a mount is a
 * SETSTAT by path. Other sessions see the path as it is.
 */
class OwnUpload {
  /** The upload open when the request came; its handle is claimed, so the request follows the WRITEs sent before. */
  private readonly atPrepare: FileHandle | undefined;

  constructor(
    private readonly ctx: SessionContext,
    private readonly path: string,
  ) {
    this.atPrepare = ctx.handles.uploadAt(path);
  }

  /** `claims` and, when there is an upload, its handle. */
  claims(...claims: Claim[]): Claim[] {
    return this.atPrepare ? [...claims, [this.atPrepare.lock, EXCLUSIVE]] : claims;
  }

  /** The upload when the request runs: also one opened by a request just ahead (the OPEN sshfs pipelines). */
  get now(): FileHandle | undefined {
    const h = this.atPrepare;
    return h && !h.closed ? h : this.ctx.handles.uploadAt(this.path);
  }
}

/** STAT or LSTAT, showing this session's own upload at the path (see {@link OwnUpload}). */
function statRequestOf(name: string, packet: PathPacket, follow: boolean): RequestHandler {
  return {
    name,
    report: true,
    prepare(payload, _id, ctx) {
      const p = packet.decodeBody(payload, 1);
      const path = resolvePath(ctx, p.path);
      const upload = new OwnUpload(ctx, path);
      return {
        claims: upload.claims([ctx.pathLock, SHARED]),
        cost: payload.length,
        path,
        async run() {
          const open = upload.now;
          if (!open) return attrsReply(p.id, await (follow ? ctx.vfs.stat(path) : ctx.vfs.lstat(path)));
          // LSTAT of a symlink is the link, whatever the upload through it.
          const own = follow ? undefined : await ctx.vfs.lstat(path).catch(() => undefined);
          return attrsReply(p.id, own && isSymlinkMode(own.permissions) ? own : await open.file.fstat());
        },
      };
    },
  };
}

/** SSH_FXP_STAT (§6.8): follows symlinks. */
export const statRequest = statRequestOf('STAT', FxpStat, true);

/** SSH_FXP_LSTAT (§6.8): the link itself. */
export const lstatRequest = statRequestOf('LSTAT', FxpLstat, false);

/** SSH_FXP_REALPATH (§6.11): always a virtual `/`-rooted path. */
export const realpathRequest = onePath('REALPATH', FxpRealpath, false, async (ctx, path, id) =>
  singleNameReply(id, await ctx.vfs.realpath(path)),
);

/** SSH_FXP_READLINK (§6.10). */
export const readlinkRequest = onePath('READLINK', FxpReadlink, false, async (ctx, path, id) => {
  if (!ctx.vfs.readlink) throw new SftpError(SftpStatus.OpUnsupported);
  return singleNameReply(id, await ctx.vfs.readlink(path));
});

/** SSH_FXP_RMDIR (§6.6). */
export const rmdirRequest = onePath('RMDIR', FxpRmdir, true, async (ctx, path, id) => {
  await ctx.vfs.rmdir(notRoot(path));
  return okReply(id);
});

/** SSH_FXP_REMOVE (§6.5). */
export const removeRequest: RequestHandler = {
  name: 'REMOVE',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpRemove.decodeBody(payload, 1);
    const path = resolvePath(ctx, p.filename);
    return {
      claims: [[ctx.pathLock, EXCLUSIVE]],
      cost: payload.length,
      path,
      async run() {
        await ctx.vfs.remove(notRoot(path));
        return okReply(p.id);
      },
    };
  },
};

/** SSH_FXP_SETSTAT (§6.9); on this session's own upload at the path, that file (see {@link OwnUpload}). */
export const setstatRequest: RequestHandler = {
  name: 'SETSTAT',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpSetstat.decodeBody(payload, 1);
    const path = resolvePath(ctx, p.path);
    const attrs = sanitizeAttrs(p.attrs);
    const upload = new OwnUpload(ctx, path);
    return {
      claims: upload.claims([ctx.pathLock, EXCLUSIVE]),
      cost: payload.length,
      path,
      async run() {
        const open = upload.now;
        await (open ? open.file.fsetstat(attrs) : ctx.vfs.setstat(path, attrs));
        return okReply(p.id);
      },
    };
  },
};

/** SSH_FXP_MKDIR (§6.6). */
export const mkdirRequest: RequestHandler = {
  name: 'MKDIR',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpMkdir.decodeBody(payload, 1);
    const path = resolvePath(ctx, p.path);
    const attrs = sanitizeAttrs(p.attrs);
    return {
      claims: [[ctx.pathLock, EXCLUSIVE]],
      cost: payload.length,
      path,
      async run() {
        if (path === '/') throw new SftpError(SftpStatus.Failure, 'File exists');
        await ctx.vfs.mkdir(path, attrs);
        return okReply(p.id);
      },
    };
  },
};

/** SSH_FXP_RENAME (§6.5): never replaces an existing target (posix-rename@openssh.com does). */
export const renameRequest: RequestHandler = {
  name: 'RENAME',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpRename.decodeBody(payload, 1);
    const from = resolvePath(ctx, p.oldpath);
    const to = resolvePath(ctx, p.newpath);
    return {
      claims: [[ctx.pathLock, EXCLUSIVE]],
      cost: payload.length,
      path: from,
      async run() {
        await ctx.vfs.rename(notRoot(from), notRoot(to), { overwrite: false });
        return okReply(p.id);
      },
    };
  },
};

/**
 * SSH_FXP_SYMLINK (§6.10). OpenSSH-derived clients send the target first (OpenSSH PROTOCOL §4.1);
 * the session knows from the client's version which order this client uses. The target is passed
 * to the backend as the client wrote it (a relative target stays relative); the backend decides
 * whether it may be created (by default only when it resolves inside the jail).
 */
export const symlinkRequest: RequestHandler = {
  name: 'SYMLINK',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpSymlink.decodeBody(payload, 1);
    const [target, link] = ctx.symlinkTargetFirst ? [p.first, p.second] : [p.second, p.first];
    const linkPath = resolvePath(ctx, link);
    if (target === '' || target.includes('\0') || Buffer.byteLength(target) > MAX_PATH_BYTES) {
      throw new SftpError(SftpStatus.NoSuchFile, 'No such file');
    }
    return {
      claims: [[ctx.pathLock, EXCLUSIVE]],
      cost: payload.length,
      path: linkPath,
      async run() {
        if (!ctx.vfs.symlink) throw new SftpError(SftpStatus.OpUnsupported);
        await ctx.vfs.symlink(target, notRoot(linkPath));
        return okReply(p.id);
      },
    };
  },
};
