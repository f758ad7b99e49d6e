import { randomBytes } from 'node:crypto';
import type { DirEntry, OpenFlags, VfsDir, VfsFile } from './vfs.js';
import { SftpStatus } from './constants.js';
import { SftpError } from './errors.js';
import { OrderedLock } from './ordered-lock.js';

interface HandleBase {
  /** The wire handle (16 random ASCII hex bytes). */
  readonly handle: Buffer;
  /** The normalised virtual path it was opened with. */
  readonly path: string;
  /** Orders requests on this handle (see {@link OrderedLock}). */
  readonly lock: OrderedLock;
  closed: boolean;
}

/** An open file handle. */
export interface FileHandle extends HandleBase {
  readonly kind: 'file';
  readonly file: VfsFile;
  readonly flags: OpenFlags;
}

/** An open directory handle, with the entries read from the backend but not yet sent. */
export interface DirHandle extends HandleBase {
  readonly kind: 'dir';
  readonly dir: VfsDir;
  pending: DirEntry[];
  /** `.` and `..` are sent first, by the server. */
  dotsSent: boolean;
  exhausted: boolean;
}

/** Either kind of handle. */
export type Handle = FileHandle | DirHandle;

/**
 * The handles of one session, bounded by the advertised `max-open-handles` (limits@openssh.com).
 * Handles are random, so a client cannot guess one it was not given.
 */
export class HandleTable {
  private readonly byKey = new Map<string, Handle>();
  private reserved = 0;
  /** The handle found last: a transfer's pipelined READs or WRITEs name the same one each time. */
  private last: Handle | undefined;
  /** Atomic uploads in progress by their path (the latest opened, when one path has several). */
  private readonly uploads = new Map<string, FileHandle>();

  constructor(private readonly max: number) {}

  /** Open handles plus opens in progress. */
  get size(): number {
    return this.byKey.size + this.reserved;
  }

  /**
   * Reserves a slot before the backend opens anything, so a flood of OPENs never holds more files
   * than the limit. Throws FAILURE when full. Call the returned function once the open settled.
   */
  reserve(): () => void {
    if (this.size >= this.max) throw new SftpError(SftpStatus.Failure, 'Too many open handles');
    this.reserved++;
    let done = false;
    return () => {
      if (!done) {
        done = true;
        this.reserved--;
      }
    };
  }

  /** Registers an opened file. */
  addFile(path: string, file: VfsFile, flags: OpenFlags): FileHandle {
    const h: FileHandle = {
      kind: 'file',
      handle: newHandle(),
      path,
      file,
      flags,
      lock: new OrderedLock(),
      closed: false,
    };
    this.byKey.set(h.handle.toString('latin1'), h);
    if (file.replacesOnClose) this.uploads.set(path, h);
    return h;
  }

  /** The atomic upload this session has open at `path`, which the path itself does not show yet. */
  uploadAt(path: string): FileHandle | undefined {
    return this.uploads.get(path);
  }

  /** Registers an opened directory. */
  addDir(path: string, dir: VfsDir): DirHandle {
    const h: DirHandle = {
      kind: 'dir',
      handle: newHandle(),
      path,
      dir,
      lock: new OrderedLock(),
      closed: false,
      pending: [],
      dotsSent: false,
      exhausted: false,
    };
    this.byKey.set(h.handle.toString('latin1'), h);
    return h;
  }

  /** The handle for a wire handle string, if open. */
  get(handle: Uint8Array): Handle | undefined {
    if (handle.length !== 16) return undefined;
    const last = this.last;
    if (last && sameHandle(last.handle, handle)) return last;
    const found = this.byKey.get(
      Buffer.from(handle.buffer, handle.byteOffset, handle.byteLength).toString('latin1'),
    );
    if (found) this.last = found;
    return found;
  }

  /** Forgets a handle (after CLOSE). */
  delete(h: Handle): void {
    h.closed = true;
    if (this.last === h) this.last = undefined;
    this.byKey.delete(h.handle.toString('latin1'));
    if (this.uploads.get(h.path) === h) this.uploads.delete(h.path);
  }

  /** Every open handle (for cleanup at session end). */
  all(): Handle[] {
    return [...this.byKey.values()];
  }
}

/** Whether two 16-byte wire handles are equal (a loop: cheaper than a call into Buffer's native compare). */
function sameHandle(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

function newHandle(): Buffer {
  return Buffer.from(randomBytes(8).toString('hex'), 'latin1');
}
