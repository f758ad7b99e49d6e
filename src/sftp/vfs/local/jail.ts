import type { Stats } from 'node:fs';
import { SftpStatus } from '../../constants.js';
import { errnoError, SftpError } from '../../errors.js';
import { splitPath } from '../../path.js';
import { closeQuietly, fdPath, fstat, O_DIRECTORY, O_NOFOLLOW, O_PATH, open, readlink } from './fd-ops.js';

/** Most symlinks followed in one lookup (Linux's limit). */
const MAX_LINKS = 40;
/** Most components processed in one lookup, links included. */
const MAX_STEPS = 1024;

/** A resolved file: an O_PATH descriptor (the caller closes it), its stat and its virtual path. */
export interface Resolved {
  readonly fd: number;
  readonly st: Stats;
  /** Components of the canonical virtual path (empty for the root). */
  readonly names: readonly string[];
}

/** The directory holding a path's last component, open as O_PATH (the caller closes `dirFd`). */
export interface ParentRef {
  readonly dirFd: number;
  readonly names: readonly string[];
  readonly name: string;
}

/** The error for any path that would lead out of the jail: identical whatever lies outside (D05). */
export function escapeError(): SftpError {
  return new SftpError(SftpStatus.PermissionDenied, 'Permission denied');
}

/**
 * Path resolution confined to a root directory, without chroot (security catalogue §1.5, D04,
 * D07). Every component is opened with O_PATH|O_NOFOLLOW relative to the descriptor of the
 * directory before it (see `fdPath`), so nothing is ever looked up by a host path that a
 * concurrent rename could redirect. Symlinks are followed by hand: an absolute target must lie
 * under the root (it is then walked from the root's descriptor), a relative one is walked from
 * where it was found, and `..` may never climb above the root. Any escape is PERMISSION_DENIED.
 */
export class Jail {
  /** Host paths that name the root in absolute link targets: as configured, and canonical. */
  private readonly rootPrefixes: readonly string[];

  constructor(
    readonly root: string,
    rootReal: string,
  ) {
    this.rootPrefixes = [...new Set([trimSlash(root), trimSlash(rootReal)])];
  }

  /** An O_PATH descriptor of the root directory. */
  openRoot(): Promise<number> {
    return open(this.root, O_PATH | O_DIRECTORY);
  }

  /** Resolves a normalised virtual path; `follow` decides whether a final symlink is followed. */
  resolve(path: string, follow: boolean): Promise<Resolved> {
    return this.walk(splitPath(path), follow, false) as Promise<Resolved>;
  }

  /** Resolves all but the last component (following links); `/` has no parent (EPERM). */
  resolveParent(path: string): Promise<ParentRef> {
    const parts = splitPath(path);
    if (parts.length === 0) return Promise.reject(errnoError('EPERM'));
    return this.walk(parts, true, true) as Promise<ParentRef>;
  }

  /**
   * Where the symlink at `p` leads, as a parent reference (for creating through a dangling link).
   * A target ending in `..`/`.` names a directory and is resolved fully instead.
   */
  async followLink(p: ParentRef): Promise<ParentRef | Resolved> {
    const text = await readlink(fdPath(p.dirFd, p.name));
    const parts = this.linkParts(text, p.names);
    const last = parts[parts.length - 1];
    if (last === undefined || last === '..' || last === '.') return this.walk(parts, true, false);
    return this.walk(parts, true, true);
  }

  /** Link text as virtual components from the root (absolute targets must lie under the root). */
  linkParts(text: string, dirNames: readonly string[]): string[] {
    if (text === '') throw errnoError('ENOENT');
    if (!text.startsWith('/')) return [...dirNames, ...text.split('/')];
    const clean =
      '/' +
      text
        .split('/')
        .filter((c) => c !== '')
        .join('/');
    for (const prefix of this.rootPrefixes) {
      if (prefix === '/') return clean.split('/').filter((c) => c !== '');
      if (clean === prefix) return [];
      if (clean.startsWith(prefix + '/')) return clean.slice(prefix.length + 1).split('/');
    }
    throw escapeError();
  }

  /**
   * The walk. `parts` are virtual components from the root (possibly with `..` from link text);
   * `stopBeforeLast` returns the parent of the last component instead of opening it.
   */
  private async walk(
    parts: string[],
    follow: boolean,
    stopBeforeLast: boolean,
  ): Promise<Resolved | ParentRef> {
    const queue = [...parts];
    let names: string[] = [];
    let cur = await this.openRoot();
    let links = 0;
    let steps = 0;
    try {
      while (queue.length > 0) {
        if (++steps > MAX_STEPS) throw errnoError('ENAMETOOLONG');
        const c = queue.shift()!;
        if (c === '' || c === '.') continue;
        if (c === '..') {
          if (names.length === 0) throw escapeError();
          names = names.slice(0, -1);
          const up = await this.reopen(names);
          await closeQuietly(cur);
          cur = up;
          continue;
        }
        const last = !queue.some((q) => q !== '' && q !== '.');
        if (last && stopBeforeLast) {
          const ref: ParentRef = { dirFd: cur, names, name: c };
          cur = -1;
          return ref;
        }
        const fd = await open(fdPath(cur, c), O_PATH | O_NOFOLLOW);
        let st: Stats;
        try {
          st = await fstat(fd);
        } catch (err) {
          await closeQuietly(fd);
          throw err;
        }
        if (st.isSymbolicLink() && (!last || follow)) {
          await closeQuietly(fd);
          if (++links > MAX_LINKS) throw errnoError('ELOOP');
          // linkParts gives components from the root (a relative target is prefixed with the
          // directory it was found in), so the walk restarts at the root descriptor.
          queue.unshift(...this.linkParts(await readlink(fdPath(cur, c)), names));
          names = [];
          const root = await this.openRoot();
          await closeQuietly(cur);
          cur = root;
          continue;
        }
        if (st.isDirectory() && !last) {
          await closeQuietly(cur);
          cur = fd;
          names = [...names, c];
          continue;
        }
        if (!last) {
          await closeQuietly(fd);
          throw errnoError('ENOTDIR');
        }
        return { fd, st, names: [...names, c] };
      }
      const st = await fstat(cur);
      const done: Resolved = { fd: cur, st, names };
      cur = -1;
      return done;
    } finally {
      if (cur !== -1) await closeQuietly(cur);
    }
  }

  /** Re-opens the directory at `names` from the root, refusing anything that is not a directory now. */
  private async reopen(names: readonly string[]): Promise<number> {
    let cur = await this.openRoot();
    try {
      for (const n of names) {
        const next = await open(fdPath(cur, n), O_PATH | O_NOFOLLOW | O_DIRECTORY).catch(() => {
          throw escapeError();
        });
        await closeQuietly(cur);
        cur = next;
      }
      const fd = cur;
      cur = -1;
      return fd;
    } finally {
      if (cur !== -1) await closeQuietly(cur);
    }
  }
}

function trimSlash(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t === '' ? '/' : t;
}
