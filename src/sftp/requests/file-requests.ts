import { Pflag, SftpStatus } from '../constants.js';
import { SftpError } from '../errors.js';
import {
  allocData,
  DATA_HEADER,
  decodeRead,
  decodeWrite,
  HANDLE_AT,
  readHandleEnd,
  readOffset,
  sealData,
  writeHandleEnd,
} from '../hot-path.js';
import { FxpClose, FxpFsetstat, FxpFstat, FxpOpen } from '../packets.js';
import { attrsReply, handleReply, okReply, statusReply } from '../replies.js';
import type { FileHandle } from '../handles.js';
import type { OpenFlags } from '../vfs.js';
import {
  EXCLUSIVE,
  fileHandle,
  MAX_OFFSET,
  resolvePath,
  sanitizeAttrs,
  SHARED,
  stillOpen,
  type Claim,
  type RequestHandler,
  type SessionContext,
} from './types.js';

/** SSH_FXP_OPEN `pflags` as {@link OpenFlags}; opening for neither reading nor writing is refused. */
export function toOpenFlags(pflags: number): OpenFlags {
  const f: OpenFlags = {
    read: (pflags & Pflag.Read) !== 0,
    write: (pflags & Pflag.Write) !== 0,
    append: (pflags & Pflag.Append) !== 0,
    create: (pflags & Pflag.Creat) !== 0,
    truncate: (pflags & Pflag.Trunc) !== 0,
    exclusive: (pflags & Pflag.Excl) !== 0,
  };
  // CREAT, TRUNC and APPEND only make sense with WRITE; OpenSSH would hand O_RDONLY|O_TRUNC to the
  // kernel, which truncates on Linux. We refuse instead.
  if (!f.write && (f.create || f.truncate || f.append)) {
    throw new SftpError(SftpStatus.Failure, 'Invalid open flags');
  }
  if (!f.read && !f.write) return { ...f, read: true };
  return f;
}

/** SSH_FXP_OPEN (draft-ietf-secsh-filexfer-02 §6.3). */
export const openRequest: RequestHandler = {
  name: 'OPEN',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpOpen.decodeBody(payload, 1);
    const path = resolvePath(ctx, p.filename);
    const flags = toOpenFlags(p.pflags);
    const changes = flags.write;
    return {
      claims: [[ctx.pathLock, changes ? EXCLUSIVE : SHARED]],
      cost: payload.length,
      path,
      async run() {
        const unreserve = ctx.handles.reserve();
        try {
          const file = await ctx.vfs.open(path, flags, sanitizeAttrs(p.attrs));
          return handleReply(p.id, ctx.handles.addFile(path, file, flags).handle);
        } finally {
          unreserve();
        }
      },
    };
  },
};

/** SSH_FXP_CLOSE (§6.3): for an atomic upload, the moment the file appears under its name. */
export const closeRequest: RequestHandler = {
  name: 'CLOSE',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpClose.decodeBody(payload, 1);
    const h = ctx.handles.get(p.handle);
    if (!h) throw new SftpError(SftpStatus.Failure, 'Invalid handle');
    const claims: Claim[] = [[h.lock, EXCLUSIVE]];
    if (h.kind === 'file' && h.flags.write) claims.push([ctx.pathLock, EXCLUSIVE]);
    return {
      claims,
      cost: payload.length,
      path: h.path,
      async run() {
        stillOpen(h);
        ctx.handles.delete(h);
        if (h.kind === 'file') await h.file.close();
        else await h.dir.close();
        return okReply(p.id);
      },
    };
  },
};

/**
 * For the fast lanes of READ and WRITE: the open file handle the frame names (its handle ending at
 * `handleEnd`), if it is open for `access`; undefined for anything else, which the usual way answers.
 */
function fileOpenFor(
  access: 'read' | 'write',
  payload: Buffer,
  handleEnd: number,
  ctx: SessionContext,
): FileHandle | undefined {
  const h = ctx.handles.get(payload.subarray(HANDLE_AT, handleEnd));
  return h?.kind === 'file' && !h.closed && h.flags[access] ? h : undefined;
}

/**
 * SSH_FXP_READ (§6.4), the hot path: the length is clamped to `maxReadLength` (as OpenSSH does),
 * the file is read straight into the reply buffer. Offsets past 2^53-1 are beyond any file: EOF.
 */
export const readRequest: RequestHandler = {
  name: 'READ',
  report: false,
  prepare(payload, _id, ctx) {
    const p = decodeRead(payload);
    const h = fileHandle(ctx, p.handle);
    if (!h.flags.read) throw new SftpError(SftpStatus.PermissionDenied, 'File not open for reading');
    const len = Math.min(p.len, ctx.limits.maxReadLength);
    if (p.offset > MAX_OFFSET || len === 0) {
      return { claims: [], cost: 0, run: async () => statusReply(p.id, SftpStatus.Eof) };
    }
    const offset = Number(p.offset);
    return {
      claims: [[h.lock, { exclusive: false, range: [offset, offset + len], write: false }]],
      cost: DATA_HEADER + len,
      async run() {
        const file = stillOpen(h).file;
        const buf = ctx.replyBuffers?.take(DATA_HEADER + len) ?? allocData(len);
        let n: number;
        if (file.readInto) {
          n = await file.readInto(offset, buf.subarray(DATA_HEADER, DATA_HEADER + len));
        } else {
          const data = await file.read(offset, len);
          n = data ? Math.min(data.length, len) : 0;
          if (data) buf.set(data.subarray(0, n), DATA_HEADER);
        }
        if (n === 0) return statusReply(p.id, SftpStatus.Eof);
        return sealData(buf, p.id, n);
      },
    };
  },
  // The usual way's fast lane: a READ of bytes in memory, while nothing that writes holds or waits
  // for the file's lock, is read and answered there and then. Anything else (a malformed frame, an
  // unknown or closed handle, an offset past 2^53, a read that would wait) goes through prepare().
  answerNow(payload, id, ctx) {
    const handleEnd = readHandleEnd(payload);
    if (handleEnd < 0) return undefined;
    const h = fileOpenFor('read', payload, handleEnd, ctx);
    if (!h?.lock.sharedFree) return undefined;
    const offset = readOffset(payload, handleEnd);
    const len = Math.min(payload.readUInt32BE(handleEnd + 8), ctx.limits.maxReadLength);
    if (offset < 0 || len === 0 || !h.file.readIntoNow) return undefined;
    const pool = ctx.replyBuffers;
    const buf = pool?.take(DATA_HEADER + len) ?? allocData(len);
    const n = h.file.readIntoNow(offset, buf.subarray(DATA_HEADER, DATA_HEADER + len));
    if (n !== undefined && n > 0) return sealData(buf, id, n);
    pool?.give(buf);
    return n === 0 ? statusReply(id, SftpStatus.Eof) : undefined;
  },
};

/** SSH_FXP_WRITE (§6.4), the hot path: the data goes to the file as a view of the frame. */
export const writeRequest: RequestHandler = {
  name: 'WRITE',
  report: false,
  prepare(payload, _id, ctx) {
    const p = decodeWrite(payload);
    const h = fileHandle(ctx, p.handle);
    if (!h.flags.write) throw new SftpError(SftpStatus.PermissionDenied, 'File not open for writing');
    if (p.offset + BigInt(p.data.length) > MAX_OFFSET)
      throw new SftpError(SftpStatus.Failure, 'File too large');
    const offset = Number(p.offset);
    // Appends land at the end whatever the offset, so they are ordered against everything.
    const range: [number, number] = h.flags.append ? [0, Infinity] : [offset, offset + p.data.length];
    return {
      claims: [[h.lock, { exclusive: false, range, write: true }]],
      cost: payload.length,
      async run() {
        await stillOpen(h).file.write(offset, p.data);
        return okReply(p.id);
      },
    };
  },
  // The fast lane, as for READ: a WRITE to a file kept in memory, while no other request holds or
  // waits for the file's lock, is written and answered there and then.
  answerNow(payload, id, ctx) {
    const handleEnd = writeHandleEnd(payload);
    if (handleEnd < 0) return undefined;
    const h = fileOpenFor('write', payload, handleEnd, ctx);
    if (!h || h.lock.size > 0) return undefined;
    const offset = readOffset(payload, handleEnd);
    const data = payload.subarray(handleEnd + 12, handleEnd + 12 + payload.readUInt32BE(handleEnd + 8));
    if (offset < 0 || offset + data.length > Number.MAX_SAFE_INTEGER || !h.file.writeNow) return undefined;
    return h.file.writeNow(offset, data) ? okReply(id) : undefined;
  },
};

/** SSH_FXP_FSTAT (§6.8); a directory handle reports its directory. */
export const fstatRequest: RequestHandler = {
  name: 'FSTAT',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpFstat.decodeBody(payload, 1);
    const h = ctx.handles.get(p.handle);
    if (!h) throw new SftpError(SftpStatus.Failure, 'Invalid handle');
    return {
      claims: [[h.lock, EXCLUSIVE]],
      cost: payload.length,
      path: h.path,
      async run() {
        stillOpen(h);
        const st = h.kind === 'file' ? await h.file.fstat() : await ctx.vfs.stat(h.path);
        return attrsReply(p.id, st);
      },
    };
  },
};

/** SSH_FXP_FSETSTAT (§6.9). */
export const fsetstatRequest: RequestHandler = {
  name: 'FSETSTAT',
  report: true,
  prepare(payload, _id, ctx) {
    const p = FxpFsetstat.decodeBody(payload, 1);
    const h = ctx.handles.get(p.handle);
    if (!h) throw new SftpError(SftpStatus.Failure, 'Invalid handle');
    const attrs = sanitizeAttrs(p.attrs);
    return {
      claims:
        h.kind === 'file'
          ? [[h.lock, EXCLUSIVE]]
          : [
              [h.lock, EXCLUSIVE],
              [ctx.pathLock, EXCLUSIVE],
            ],
      cost: payload.length,
      path: h.path,
      async run() {
        stillOpen(h);
        if (h.kind === 'file') await h.file.fsetstat(attrs);
        else await ctx.vfs.setstat(h.path, attrs);
        return okReply(p.id);
      },
    };
  },
};
