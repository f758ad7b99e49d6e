import type { FileAttrs } from '../attrs.js';
import { SftpStatus } from '../constants.js';
import { SftpError } from '../errors.js';
import type { DirHandle, FileHandle, HandleTable } from '../handles.js';
import type { LockClaim, OrderedLock } from '../ordered-lock.js';
import type { SftpLimits, SftpLogger } from '../options.js';
import { normalizePath } from '../path.js';
import type { BufferPool } from '../buffer-pool.js';
import type { Vfs } from '../vfs.js';

/** What request handlers see of their session. */
export interface SessionContext {
  readonly vfs: Vfs;
  readonly handles: HandleTable;
  /** Orders path operations: lookups share it, changes take it exclusively. */
  readonly pathLock: OrderedLock;
  readonly limits: SftpLimits;
  readonly home: string;
  readonly username: string | undefined;
  /** SSH_FXP_SYMLINK's first argument is the target (OpenSSH order). */
  readonly symlinkTargetFirst: boolean;
  readonly idName: ((kind: 'user' | 'group', id: number) => string | undefined) | undefined;
  readonly log: SftpLogger | undefined;
  /** Where READ takes its reply buffers, when the output lets them be reused. */
  readonly replyBuffers: BufferPool | undefined;
  /**
   * Aborted when no reply can reach the client any more (the channel or its output is gone, or
   * the session was aborted or broke the protocol): requests that loop over large ranges
   * (check-file, copy-data) stop there instead of working on for nobody.
   */
  readonly abandoned: AbortSignal;
}

/** Chunks a long request works through between two turns of the event loop. */
const CHUNKS_PER_TURN = 8;

/**
 * Between chunks of a request that loops over a large range (check-file, copy-data): throws once
 * the session is abandoned (see {@link SessionContext.abandoned}), and every few chunks lets the
 * event loop turn. Reads of cached data (and of holes) complete without waiting for anything, so
 * without it one such request would hold every other connection of the server until it ends.
 */
export async function betweenChunks(ctx: SessionContext, chunk: number): Promise<void> {
  if (ctx.abandoned.aborted) throw new SftpError(SftpStatus.ConnectionLost, 'Session ended');
  if (chunk % CHUNKS_PER_TURN === CHUNKS_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A lock and the claim a request makes on it. */
export type Claim = readonly [OrderedLock, LockClaim];

/** A decoded, validated request waiting for its locks. */
export interface PreparedRequest {
  readonly claims: readonly Claim[];
  /** Bytes this request holds while in flight (its data, its reply buffer). */
  readonly cost: number;
  /** The (virtual) path for audit events. */
  readonly path?: string;
  /** Performs the request; resolves to the whole reply frame. Errors become STATUS replies. */
  run(): Promise<Buffer>;
}

/** Handles one SFTP packet type (or one EXTENDED request name). */
export interface RequestHandler {
  readonly name: string;
  /** False for READ/WRITE, which are not reported as operations. */
  readonly report: boolean;
  /**
   * Decodes and validates (throwing DecodeError/SftpError for an immediate STATUS). `payload` is
   * the frame from the type byte; `id` is already read from it.
   */
  prepare(payload: Buffer, id: number, ctx: SessionContext): PreparedRequest;
  /**
   * Answers at once, when the request can be served on the spot without waiting for anything (no
   * lock to wait for, no I/O that blocks): the whole reply, or undefined to go through
   * {@link prepare}. Never throws; anything unusual takes the usual way.
   */
  answerNow?(payload: Buffer, id: number, ctx: SessionContext): Buffer | undefined;
}

/** A shared claim (lookups, reads). */
export const SHARED: LockClaim = { exclusive: false };
/** An exclusive claim (changes). */
export const EXCLUSIVE: LockClaim = { exclusive: true };

/** Normalises a client path against the session's home. */
export function resolvePath(ctx: SessionContext, raw: string): string {
  return normalizePath(raw, ctx.home);
}

/** The open file handle named by `handle`, or FAILURE (as OpenSSH answers an unknown handle). */
export function fileHandle(ctx: SessionContext, handle: Uint8Array): FileHandle {
  const h = ctx.handles.get(handle);
  if (!h || h.kind !== 'file') throw new SftpError(SftpStatus.Failure, 'Invalid handle');
  return h;
}

/** The open directory handle named by `handle`, or FAILURE. */
export function dirHandle(ctx: SessionContext, handle: Uint8Array): DirHandle {
  const h = ctx.handles.get(handle);
  if (!h || h.kind !== 'dir') throw new SftpError(SftpStatus.Failure, 'Invalid handle');
  return h;
}

/** Throws if a handle was closed while this request waited for it. */
export function stillOpen<H extends { closed: boolean }>(h: H): H {
  if (h.closed) throw new SftpError(SftpStatus.Failure, 'Invalid handle');
  return h;
}

/**
 * Attributes as the server applies them: setuid, setgid and sticky bits are masked off (a jailed
 * user never needs them) and file type bits are ignored.
 */
export function sanitizeAttrs(a: FileAttrs): FileAttrs {
  if (a.permissions === undefined) return a;
  return { ...a, permissions: a.permissions & 0o777 };
}

/** The largest offset the server accepts (2^53-1); beyond it READ is EOF and WRITE fails. */
export const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);
