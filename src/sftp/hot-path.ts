import { DecodeError } from '../wire/errors.js';
import { Fxp } from './constants.js';
import { MAX_HANDLE_LENGTH } from './packets.js';

/** A decoded SSH_FXP_READ or SSH_FXP_WRITE (offset kept as bigint until range-checked). */
interface DataRequest {
  readonly id: number;
  readonly handle: Buffer;
  readonly offset: bigint;
}

/** SSH_FXP_READ fields (draft-ietf-secsh-filexfer-02 §6.4). */
export interface ReadRequest extends DataRequest {
  readonly len: number;
}

/** SSH_FXP_WRITE fields; `data` is a view into the frame (no copy). */
export interface WriteRequest extends DataRequest {
  readonly data: Buffer;
}

function need(payload: Buffer, at: number, n: number, what: string): void {
  if (at + n > payload.length) throw new DecodeError(`needs ${n} bytes`, what);
}

function readHandle(payload: Buffer, at: number, what: string): [Buffer, number] {
  need(payload, at, 4, `${what}.handle`);
  const hlen = payload.readUInt32BE(at);
  if (hlen > MAX_HANDLE_LENGTH) throw new DecodeError(`handle of ${hlen} bytes`, `${what}.handle`);
  need(payload, at + 4, hlen, `${what}.handle`);
  return [payload.subarray(at + 4, at + 4 + hlen), at + 4 + hlen];
}

/**
 * Decodes SSH_FXP_READ by hand (the hot path): `uint32 id, string handle, uint64 offset,
 * uint32 len`, no trailing bytes. Same layout as the `FxpRead` declaration.
 */
export function decodeRead(payload: Buffer): ReadRequest {
  const id = payload.readUInt32BE(1);
  const [handle, at] = readHandle(payload, 5, 'READ');
  need(payload, at, 12, 'READ.offset');
  if (at + 12 !== payload.length) throw new DecodeError('trailing bytes', 'READ');
  return { id, handle, offset: payload.readBigUInt64BE(at), len: payload.readUInt32BE(at + 8) };
}

/** Where the handle of an SSH_FXP_READ or SSH_FXP_WRITE starts: after type, id and its length. */
export const HANDLE_AT = 9;

/** Where a READ's or WRITE's handle ends, if the frame has room for it and an offset and a length. */
function handleEnd(payload: Buffer): number {
  if (payload.length < HANDLE_AT) return -1;
  const hlen = payload.readUInt32BE(5);
  const end = HANDLE_AT + hlen;
  return hlen <= MAX_HANDLE_LENGTH && payload.length >= end + 12 ? end : -1;
}

/**
 * Checks an SSH_FXP_READ's layout without decoding it (see {@link decodeRead}): where its handle
 * ends and its offset starts, or -1 when the frame is not a well-formed READ.
 */
export function readHandleEnd(payload: Buffer): number {
  const end = handleEnd(payload);
  return end >= 0 && payload.length === end + 12 ? end : -1;
}

/**
 * Checks an SSH_FXP_WRITE's layout without decoding it (see {@link decodeWrite}): where its handle
 * ends and its offset starts (its data starts 12 bytes later), or -1 when it is not well formed.
 */
export function writeHandleEnd(payload: Buffer): number {
  const end = handleEnd(payload);
  return end >= 0 && payload.length >= end + 12 + payload.readUInt32BE(end + 8) ? end : -1;
}

/** The uint64 at `at` as a number, or -1 when it is 2^53 or more (past any file). */
export function readOffset(payload: Buffer, at: number): number {
  const high = payload.readUInt32BE(at);
  return high < 0x200000 ? high * 0x100000000 + payload.readUInt32BE(at + 4) : -1;
}

/**
 * Decodes SSH_FXP_WRITE by hand: `uint32 id, string handle, uint64 offset, string data`. The data
 * stays a view of the frame, so it goes to the file without a copy.
 *
 * The one request allowed bytes after its last field: the Go client pkg/sftp, until its fix of
 * February 2023 (pkg/sftp#537; Debian 12's rclone 1.60 has it), sends every short WRITE of an
 * upload, such as the last, with its whole 32 KiB buffer after the declared data. OpenSSH's
 * sftp-server skips what follows a request's fields, so those uploads work there; here too the
 * declared `data` is written and the rest ignored. Data running past the frame is still refused.
 */
export function decodeWrite(payload: Buffer): WriteRequest {
  const id = payload.readUInt32BE(1);
  const [handle, at] = readHandle(payload, 5, 'WRITE');
  need(payload, at, 12, 'WRITE.offset');
  const offset = payload.readBigUInt64BE(at);
  const dlen = payload.readUInt32BE(at + 8);
  if (at + 12 + dlen > payload.length) throw new DecodeError('data runs past the frame', 'WRITE');
  return { id, handle, offset, data: payload.subarray(at + 12, at + 12 + dlen) };
}

/** Bytes before the data in an SSH_FXP_DATA frame: length, type, id, data length. */
export const DATA_HEADER = 13;

/**
 * A buffer for an SSH_FXP_DATA reply with room for `max` data bytes after the header; the file is
 * read straight into `buf.subarray(DATA_HEADER)` and {@link sealData} fills in the header.
 */
export function allocData(max: number): Buffer {
  return Buffer.allocUnsafe(DATA_HEADER + max);
}

/**
 * Writes the SSH_FXP_DATA header for `n` data bytes and returns the frame: `buf` itself when the
 * read filled it (so a pooled buffer comes back to its pool as itself), else the part used.
 */
export function sealData(buf: Buffer, id: number, n: number): Buffer {
  buf.writeUInt32BE(1 + 4 + 4 + n, 0);
  buf[4] = Fxp.Data;
  buf.writeUInt32BE(id >>> 0, 5);
  buf.writeUInt32BE(n, 9);
  return DATA_HEADER + n === buf.length ? buf : buf.subarray(0, DATA_HEADER + n);
}
