import { SftpStatus, StatvfsFlag } from '../constants.js';
import { SftpError } from '../errors.js';
import {
  HomeDirectory,
  LimitsReply,
  Lsetstat,
  NoArgs,
  OneHandle,
  OnePath,
  StatvfsReply,
  TwoPaths,
  UsersGroupsById,
  UsersGroupsReply,
} from '../extension-packets.js';
import { FxpExtended, type ExtensionPair } from '../packets.js';
import { expandTilde, normalizePath } from '../path.js';
import { okReply, singleNameReply } from '../replies.js';
import type { Vfs, VfsStatvfs } from '../vfs.js';
import { WireWriter } from '../../wire/writer.js';
import { CHECK_FILE_ALGORITHMS, prepareCheckFile } from './check-file.js';
import { prepareCopyData } from './copy-data.js';
import {
  EXCLUSIVE,
  fileHandle,
  resolvePath,
  sanitizeAttrs,
  SHARED,
  stillOpen,
  type PreparedRequest,
  type RequestHandler,
  type SessionContext,
} from './types.js';

type ExtensionPrepare = (
  id: number,
  data: Buffer,
  ctx: SessionContext,
  payloadLength: number,
) => PreparedRequest;

/** A request under the path lock. */
function underPathLock(
  ctx: SessionContext,
  changes: boolean,
  path: string,
  cost: number,
  run: () => Promise<Buffer>,
): PreparedRequest {
  return { claims: [[ctx.pathLock, changes ? EXCLUSIVE : SHARED]], cost, path, run };
}

function statvfsReply(id: number, s: VfsStatvfs): Buffer {
  const n = (v: number): bigint => BigInt(Math.max(0, Math.floor(v)));
  return StatvfsReply.encode({
    id,
    bsize: n(s.bsize),
    frsize: n(s.frsize),
    blocks: n(s.blocks),
    bfree: n(s.bfree),
    bavail: n(s.bavail),
    files: n(s.files),
    ffree: n(s.ffree),
    favail: n(s.favail),
    fsid: 0n,
    flag: BigInt((s.readOnly ? StatvfsFlag.ReadOnly : 0) | StatvfsFlag.NoSuid),
    namemax: n(s.namemax),
  });
}

function rename(overwrite: boolean): ExtensionPrepare {
  return (id, data, ctx, cost) => {
    const p = TwoPaths.decode(data);
    const from = resolvePath(ctx, p.oldpath);
    const to = resolvePath(ctx, p.newpath);
    return underPathLock(ctx, true, from, cost, async () => {
      if (from === '/' || to === '/') throw new SftpError(SftpStatus.PermissionDenied);
      await ctx.vfs.rename(from, to, { overwrite });
      return okReply(id);
    });
  };
}

/** Packs names as OpenSSH's users-groups-by-id reply does: one `string` per id, "" if unknown. */
function packNames(ids: Uint8Array, lookup: (id: number) => string | undefined): Buffer {
  if (ids.length % 4 !== 0) throw new SftpError(SftpStatus.BadMessage, 'Bad message');
  if (ids.length / 4 > 4096) throw new SftpError(SftpStatus.Failure, 'Too many ids');
  const view = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
  const w = new WireWriter();
  for (let i = 0; i < view.length; i += 4) w.text(lookup(view.readUInt32BE(i)) ?? '');
  return Buffer.from(w.finish());
}

const HANDLERS: Record<string, ExtensionPrepare> = {
  'posix-rename@openssh.com': rename(true),
  'hardlink@openssh.com': (id, data, ctx, cost) => {
    const p = TwoPaths.decode(data);
    const from = resolvePath(ctx, p.oldpath);
    const to = resolvePath(ctx, p.newpath);
    return underPathLock(ctx, true, from, cost, async () => {
      if (!ctx.vfs.link) throw new SftpError(SftpStatus.OpUnsupported);
      await ctx.vfs.link(from, to);
      return okReply(id);
    });
  },
  'statvfs@openssh.com': (id, data, ctx, cost) => {
    const path = resolvePath(ctx, OnePath.decode(data).path);
    return underPathLock(ctx, false, path, cost, async () => {
      if (!ctx.vfs.statvfs) throw new SftpError(SftpStatus.OpUnsupported);
      return statvfsReply(id, await ctx.vfs.statvfs(path));
    });
  },
  'fstatvfs@openssh.com': (id, data, ctx, cost) => {
    const h = fileHandle(ctx, OneHandle.decode(data).handle);
    return {
      claims: [[h.lock, SHARED]],
      cost,
      path: h.path,
      async run() {
        const file = stillOpen(h).file;
        if (file.fstatvfs) return statvfsReply(id, await file.fstatvfs());
        if (!ctx.vfs.statvfs) throw new SftpError(SftpStatus.OpUnsupported);
        return statvfsReply(id, await ctx.vfs.statvfs(h.path));
      },
    };
  },
  'fsync@openssh.com': (id, data, ctx, cost) => {
    const h = fileHandle(ctx, OneHandle.decode(data).handle);
    return {
      claims: [[h.lock, EXCLUSIVE]],
      cost,
      path: h.path,
      async run() {
        const file = stillOpen(h).file;
        if (!file.fsync) throw new SftpError(SftpStatus.OpUnsupported);
        await file.fsync();
        return okReply(id);
      },
    };
  },
  'lsetstat@openssh.com': (id, data, ctx, cost) => {
    const p = Lsetstat.decode(data);
    const path = resolvePath(ctx, p.path);
    const attrs = sanitizeAttrs(p.attrs);
    return underPathLock(ctx, true, path, cost, async () => {
      if (!ctx.vfs.lsetstat) throw new SftpError(SftpStatus.OpUnsupported);
      await ctx.vfs.lsetstat(path, attrs);
      return okReply(id);
    });
  },
  'limits@openssh.com': (id, data, ctx, cost) => {
    NoArgs.decode(data);
    const l = ctx.limits;
    const reply = LimitsReply.encode({
      id,
      maxPacketLength: BigInt(l.maxPacketLength),
      maxReadLength: BigInt(l.maxReadLength),
      maxWriteLength: BigInt(l.maxWriteLength),
      maxOpenHandles: BigInt(l.maxOpenHandles),
    });
    return { claims: [], cost, run: async () => reply };
  },
  'expand-path@openssh.com': (id, data, ctx, cost) => {
    const raw = OnePath.decode(data).path;
    const path = normalizePath(expandTilde(raw, ctx.home, ctx.username), ctx.home);
    return underPathLock(ctx, false, path, cost, async () =>
      singleNameReply(id, await ctx.vfs.realpath(path)),
    );
  },
  'home-directory': (id, data, ctx, cost) => {
    const { username } = HomeDirectory.decode(data);
    const home = expandTilde(`~${username}`, ctx.home, ctx.username);
    return { claims: [], cost, path: home, run: async () => singleNameReply(id, home) };
  },
  'users-groups-by-id@openssh.com': (id, data, ctx, cost) => {
    const p = UsersGroupsById.decode(data);
    const name = ctx.idName;
    const usernames = packNames(p.uids, (uid) => name?.('user', uid));
    const groupnames = packNames(p.gids, (gid) => name?.('group', gid));
    const reply = UsersGroupsReply.encode({ id, usernames, groupnames });
    return { claims: [], cost, run: async () => reply };
  },
  'copy-data': (id, data, ctx, cost) => prepareCopyData(id, data, ctx, cost),
  'check-file-handle': (id, data, ctx, cost) => prepareCheckFile(false, id, data, ctx, cost),
  'check-file-name': (id, data, ctx, cost) => prepareCheckFile(true, id, data, ctx, cost),
  'check-file': (id, data, ctx, cost) => prepareCheckFile(false, id, data, ctx, cost),
};

/**
 * SSH_FXP_EXTENDED (draft-ietf-secsh-filexfer-02 §8): dispatched by request name; names we do not
 * know are answered OP_UNSUPPORTED, as the draft requires.
 */
export const extendedRequest: RequestHandler = {
  name: 'EXTENDED',
  report: true,
  prepare(payload, id, ctx) {
    const p = FxpExtended.decodeBody(payload, 1);
    const handler = Object.hasOwn(HANDLERS, p.request) ? HANDLERS[p.request] : undefined;
    if (!handler)
      throw new SftpError(SftpStatus.OpUnsupported, `Unsupported request ${p.request.slice(0, 64)}`);
    return handler(id, Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength), ctx, payload.length);
  },
};

/** The extended requests served (OpenSSH PROTOCOL §4 and the drafts' `copy-data`, `check-file`, …). */
export function servedExtensionNames(): readonly string[] {
  return Object.keys(HANDLERS);
}

/** The extension name of an EXTENDED payload, for logs and audit. */
export function extendedName(payload: Buffer): string {
  try {
    return FxpExtended.decodeBody(payload, 1).request.slice(0, 64);
  } catch {
    return 'EXTENDED';
  }
}

/** The extensions advertised in SSH_FXP_VERSION (OpenSSH PROTOCOL §4.2), given what the backend can do. */
export function advertisedExtensions(vfs: Vfs): ExtensionPair[] {
  const out: ExtensionPair[] = [{ name: 'posix-rename@openssh.com', data: '1' }];
  if (vfs.statvfs) {
    out.push({ name: 'statvfs@openssh.com', data: '2' }, { name: 'fstatvfs@openssh.com', data: '2' });
  }
  if (vfs.link) out.push({ name: 'hardlink@openssh.com', data: '1' });
  out.push({ name: 'fsync@openssh.com', data: '1' });
  if (vfs.lsetstat) out.push({ name: 'lsetstat@openssh.com', data: '1' });
  out.push(
    { name: 'limits@openssh.com', data: '1' },
    { name: 'expand-path@openssh.com', data: '1' },
    { name: 'copy-data', data: '1' },
    { name: 'home-directory', data: '1' },
    { name: 'users-groups-by-id@openssh.com', data: '1' },
    { name: 'check-file', data: CHECK_FILE_ALGORITHMS.join(',') },
  );
  return out;
}
