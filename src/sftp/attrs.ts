import { DecodeError } from '../wire/errors.js';
import type { FieldCodec } from '../wire/codec.js';
import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';
import { AttrFlag, FileType } from './constants.js';

/** One `extended_type`/`extended_data` pair of an ATTRS structure. */
export interface ExtendedAttr {
  readonly type: string;
  readonly data: Uint8Array;
}

/**
 * File attributes as they travel in SFTP v3 (draft-ietf-secsh-filexfer-02 §5): every field is
 * optional and present only when its flag is set. Times are seconds since the epoch.
 */
export interface FileAttrs {
  readonly size?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** POSIX mode bits, including the file type bits when the server reports them. */
  readonly permissions?: number;
  readonly atime?: number;
  readonly mtime?: number;
  readonly extended?: readonly ExtendedAttr[];
}

/** What a Vfs backend reports for one file: everything an `ls -l` line needs. */
export interface FileStat {
  readonly size: number;
  readonly uid: number;
  readonly gid: number;
  /** POSIX mode including the file type bits (`FileType`). */
  readonly permissions: number;
  readonly atime: number;
  readonly mtime: number;
  readonly nlink?: number;
  /** Owner and group names for listings; numbers are shown when absent. */
  readonly owner?: string;
  readonly group?: string;
}

/** Most extended pairs one ATTRS may carry; no client sends more than a handful. */
export const MAX_EXTENDED_ATTRS = 64;
const KNOWN_FLAGS =
  AttrFlag.Size | AttrFlag.UidGid | AttrFlag.Permissions | AttrFlag.AcModTime | AttrFlag.Extended;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function readAttrs(r: WireReader): FileAttrs {
  const flags = r.u32();
  if ((flags & ~KNOWN_FLAGS) >>> 0 !== 0) {
    throw new DecodeError(`undefined flag bits 0x${(flags >>> 0).toString(16)}`, 'ATTRS.flags');
  }
  const out: { -readonly [K in keyof FileAttrs]: FileAttrs[K] } = {};
  if (flags & AttrFlag.Size) {
    const size = r.u64();
    if (size > MAX_SAFE) throw new DecodeError(`size ${size} exceeds 2^53-1`, 'ATTRS.size');
    out.size = Number(size);
  }
  if (flags & AttrFlag.UidGid) {
    out.uid = r.u32();
    out.gid = r.u32();
  }
  if (flags & AttrFlag.Permissions) out.permissions = r.u32();
  if (flags & AttrFlag.AcModTime) {
    out.atime = r.u32();
    out.mtime = r.u32();
  }
  if (flags & AttrFlag.Extended) {
    const count = r.u32();
    if (count > MAX_EXTENDED_ATTRS) throw new DecodeError(`${count} extended pairs`, 'ATTRS.extended');
    const ext: ExtendedAttr[] = [];
    for (let i = 0; i < count; i++) ext.push({ type: r.textLenient(), data: r.bytes() });
    out.extended = ext;
  }
  return out;
}

function writeAttrs(w: WireWriter, a: FileAttrs): void {
  let flags = 0;
  if (a.size !== undefined) flags |= AttrFlag.Size;
  if (a.uid !== undefined && a.gid !== undefined) flags |= AttrFlag.UidGid;
  if (a.permissions !== undefined) flags |= AttrFlag.Permissions;
  if (a.atime !== undefined && a.mtime !== undefined) flags |= AttrFlag.AcModTime;
  if (a.extended !== undefined && a.extended.length > 0) flags |= AttrFlag.Extended;
  w.u32(flags >>> 0);
  if (flags & AttrFlag.Size) w.u64(a.size!);
  if (flags & AttrFlag.UidGid) w.u32(a.uid!).u32(a.gid!);
  if (flags & AttrFlag.Permissions) w.u32(a.permissions!);
  if (flags & AttrFlag.AcModTime) w.u32(clampTime(a.atime!)).u32(clampTime(a.mtime!));
  if (flags & AttrFlag.Extended) {
    w.u32(a.extended!.length);
    for (const e of a.extended!) w.text(e.type).bytes(e.data);
  }
}

/** Times travel as uint32 seconds in v3; out-of-range values are clamped rather than wrapped. */
function clampTime(t: number): number {
  if (!(t > 0)) return 0;
  return Math.min(Math.floor(t), 0xffffffff);
}

/**
 * The ATTRS structure (draft-ietf-secsh-filexfer-02 §5): fields depend on `flags`; undefined flag
 * bits, sizes above 2^53-1 and more than {@link MAX_EXTENDED_ATTRS} extended pairs are refused.
 */
export const attrsCodec: FieldCodec<FileAttrs> = { label: 'ATTRS', read: readAttrs, write: writeAttrs };

/** The wire attributes for a stat result. */
export function statToAttrs(s: FileStat): FileAttrs {
  return {
    size: s.size,
    uid: s.uid,
    gid: s.gid,
    permissions: s.permissions,
    atime: s.atime,
    mtime: s.mtime,
  };
}

/** True when a mode's type bits say directory. */
export function isDirectoryMode(mode: number): boolean {
  return (mode & FileType.Mask) === FileType.Directory;
}

/** True when a mode's type bits say regular file. */
export function isRegularMode(mode: number): boolean {
  return (mode & FileType.Mask) === FileType.Regular;
}

/** True when a mode's type bits say symbolic link. */
export function isSymlinkMode(mode: number): boolean {
  return (mode & FileType.Mask) === FileType.Symlink;
}
