import type { FileAttrs, FileStat } from './attrs.js';

/** How a file is opened: the SSH_FXP_OPEN `pflags` (draft-ietf-secsh-filexfer-02 §6.3) as booleans. */
export interface OpenFlags {
  readonly read: boolean;
  readonly write: boolean;
  readonly append: boolean;
  readonly create: boolean;
  readonly truncate: boolean;
  readonly exclusive: boolean;
}

/** File system figures for statvfs@openssh.com (OpenSSH PROTOCOL §4.4). */
export interface VfsStatvfs {
  readonly bsize: number;
  readonly frsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
  readonly favail: number;
  readonly readOnly: boolean;
  readonly namemax: number;
}

/** One entry of a directory listing (never `.` or `..`; the server adds those). */
export interface DirEntry {
  readonly name: string;
  /** The entry itself, not what a symlink points to (lstat). */
  readonly stat: FileStat;
}

/** What the server's rename needs: SSH_FXP_RENAME never replaces, posix-rename@openssh.com does. */
export interface RenameOptions {
  readonly overwrite: boolean;
}

/**
 * A file system as one SFTP user sees it (DESIGN.md "SFTP"; style-study S7). Paths are virtual,
 * absolute and normalised by the server before they arrive: `/` or `/a/b`, no `.`/`..`/empty
 * component, no NUL. Methods throw {@link SftpError} or Node errno errors (`code` set), which the
 * server maps to a STATUS; optional methods the backend lacks answer OP_UNSUPPORTED.
 */
export interface Vfs {
  /** The canonical virtual path (symlinks resolved); a missing last component is allowed. */
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<FileStat>;
  lstat(path: string): Promise<FileStat>;
  setstat(path: string, attrs: FileAttrs): Promise<void>;
  open(path: string, flags: OpenFlags, attrs: FileAttrs): Promise<VfsFile>;
  opendir(path: string): Promise<VfsDir>;
  mkdir(path: string, attrs: FileAttrs): Promise<void>;
  rmdir(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  rename(from: string, to: string, options: RenameOptions): Promise<void>;
  /** Like setstat on the path itself, not a symlink's target (lsetstat@openssh.com). */
  lsetstat?(path: string, attrs: FileAttrs): Promise<void>;
  /** The link text as the client should see it (virtual, never a host path). */
  readlink?(path: string): Promise<string>;
  /** Creates `linkPath` pointing at `target`; the server has already undone OpenSSH's argument order. */
  symlink?(target: string, linkPath: string): Promise<void>;
  /** hardlink@openssh.com. */
  link?(existing: string, newPath: string): Promise<void>;
  statvfs?(path: string): Promise<VfsStatvfs>;
}

/** An open file. Offsets are below 2^53 (the server refuses larger ones before calling). */
export interface VfsFile {
  /** Up to `length` bytes at `offset`, or null at end of file. */
  read(offset: number, length: number): Promise<Uint8Array | null>;
  /** Reads into `target` (the hot path: straight into the reply buffer); returns bytes read, 0 = EOF. */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
  /**
   * Reads into `target` at once, on the calling thread, when that needs no wait (the bytes are in
   * memory and no read of this file is under way): the bytes read (0 = EOF), or undefined to read
   * through {@link readInto} instead. Fills `target` unless the file ends first.
   */
  readIntoNow?(offset: number, target: Uint8Array): number | undefined;
  /**
   * Writes all of `data` at `offset`. As with `fs.write`, `data` is the caller's only until the
   * returned promise settles (the server reuses the buffer for a later WRITE): copy what you keep.
   */
  write(offset: number, data: Uint8Array): Promise<void>;
  /**
   * Writes all of `data` at `offset` at once, on the calling thread, when that needs no wait (a
   * file kept in memory, no write of this file under way): true when written, false to write
   * through {@link write} instead (which then also reports a failure).
   */
  writeNow?(offset: number, data: Uint8Array): boolean;
  fstat(): Promise<FileStat>;
  fsetstat(attrs: FileAttrs): Promise<void>;
  fsync?(): Promise<void>;
  fstatvfs?(): Promise<VfsStatvfs>;
  /**
   * True for an atomic upload: until {@link close} it is a temporary file, and its name shows the
   * old file or none. The session that opened it still finds it under that name (STAT, SETSTAT).
   */
  readonly replacesOnClose?: boolean;
  /** Closes the file; for an atomic upload this is where it appears under its final name. */
  close(): Promise<void>;
  /**
   * Called instead of {@link close} when the session ends with the file still open (client gone):
   * an atomic upload is discarded. Backends without the notion may omit it; close() is used then.
   */
  abort?(): Promise<void>;
}

/** An open directory. */
export interface VfsDir {
  /** The next batch of entries, or null when the listing is complete. */
  next(): Promise<readonly DirEntry[] | null>;
  close(): Promise<void>;
}
