import { statToAttrs, type FileStat } from '../attrs.js';
import { SftpStatus } from '../constants.js';
import type { DirHandle } from '../handles.js';
import { formatLongname } from '../longname.js';
import { FxpOpendir, FxpReaddir, type NameEntry } from '../packets.js';
import { parentPath } from '../path.js';
import { handleReply, nameReply, statusReply } from '../replies.js';
import {
  dirHandle,
  EXCLUSIVE,
  resolvePath,
  SHARED,
  stillOpen,
  type RequestHandler,
  type SessionContext,
} from './types.js';

/** Most names in one SSH_FXP_NAME reply to READDIR, as OpenSSH. */
export const READDIR_BATCH = 100;

/** SSH_FXP_OPENDIR (draft-ietf-secsh-filexfer-02 §6.7). */
export const opendirRequest: RequestHandler = {
  name: 'OPENDIR',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpOpendir.decodeBody(payload, 1);
    const path = resolvePath(ctx, p.path);
    return {
      claims: [[ctx.pathLock, SHARED]],
      cost: payload.length,
      path,
      async run() {
        const unreserve = ctx.handles.reserve();
        try {
          const dir = await ctx.vfs.opendir(path);
          return handleReply(p.id, ctx.handles.addDir(path, dir).handle);
        } finally {
          unreserve();
        }
      },
    };
  },
};

function named(ctx: SessionContext, s: FileStat): FileStat {
  if (!ctx.idName || (s.owner !== undefined && s.group !== undefined)) return s;
  return { ...s, owner: s.owner ?? ctx.idName('user', s.uid), group: s.group ?? ctx.idName('group', s.gid) };
}

function entry(ctx: SessionContext, name: string, stat: FileStat, now: number): NameEntry {
  return { filename: name, longname: formatLongname(name, named(ctx, stat), now), attrs: statToAttrs(stat) };
}

async function nextBatch(ctx: SessionContext, h: DirHandle): Promise<NameEntry[]> {
  const now = Math.floor(Date.now() / 1000);
  const out: NameEntry[] = [];
  if (!h.dotsSent) {
    h.dotsSent = true;
    // `.` and `..` as OpenSSH lists them; the root's parent is the root itself.
    for (const [name, path] of [
      ['.', h.path],
      ['..', parentPath(h.path)],
    ] as const) {
      try {
        out.push(entry(ctx, name, await ctx.vfs.stat(path), now));
      } catch {
        // A parent we cannot stat is left out rather than failing the listing.
      }
    }
  }
  while (out.length < READDIR_BATCH) {
    if (h.pending.length === 0) {
      if (h.exhausted) break;
      const more = await h.dir.next();
      if (more === null) {
        h.exhausted = true;
        break;
      }
      h.pending = [...more];
      continue;
    }
    const e = h.pending.shift()!;
    out.push(entry(ctx, e.name, e.stat, now));
  }
  return out;
}

/** SSH_FXP_READDIR (§6.7): at most {@link READDIR_BATCH} names per reply, EOF when done. */
export const readdirRequest: RequestHandler = {
  name: 'READDIR',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpReaddir.decodeBody(payload, 1);
    const h = dirHandle(ctx, p.handle);
    return {
      claims: [[h.lock, EXCLUSIVE]],
      cost: payload.length + 64 * 1024,
      path: h.path,
      async run() {
        const names = await nextBatch(ctx, stillOpen(h));
        if (names.length === 0) return statusReply(p.id, SftpStatus.Eof);
        return nameReply(p.id, names);
      },
    };
  },
};
