import type { FileStat } from '../attrs.js';
import { FileType } from '../constants.js';
import { errnoError } from '../errors.js';
import { splitPath } from '../path.js';

/** A node of the in-memory tree (an inode: hard links share one). */
export interface MemNode {
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly ino: number;
  /** Permission bits only (no type bits). */
  perm: number;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
  nlink: number;
  /** Files: contents up to `size` (capacity grows by doubling). */
  data: Buffer;
  size: number;
  /** Directories: entries by name. */
  readonly children: Map<string, MemNode>;
  /** Symlinks: the link text. */
  readonly target: string;
}

/** Where a path leads: the directory holding the last component, its name, and the node if any. */
export interface MemLookup {
  readonly parent: MemNode;
  readonly parentPath: string;
  readonly name: string;
  readonly node: MemNode | undefined;
}

const TYPE_BITS = { file: FileType.Regular, dir: FileType.Directory, symlink: FileType.Symlink } as const;
const MAX_LINKS = 40;

/** The stat of a node. */
export function nodeStat(n: MemNode): FileStat {
  return {
    size: n.kind === 'file' ? n.size : n.kind === 'symlink' ? Buffer.byteLength(n.target) : 4096,
    uid: n.uid,
    gid: n.gid,
    permissions: TYPE_BITS[n.kind] | n.perm,
    atime: n.atime,
    mtime: n.mtime,
    nlink: n.nlink,
  };
}

/**
 * Path resolution over the in-memory tree with the same rules as the local jail: symlink targets
 * are read as paths inside the tree (absolute ones from its root), `..` never climbs above the
 * root, and more than 40 links in one lookup is ELOOP.
 */
export class MemTree {
  private nextIno = 1;
  readonly root: MemNode;

  constructor(
    readonly uid: number,
    readonly gid: number,
  ) {
    this.root = this.make('dir', 0o755);
    this.root.nlink = 2;
  }

  /** A new, unlinked node. */
  make(kind: MemNode['kind'], perm: number, target = ''): MemNode {
    const now = Math.floor(Date.now() / 1000);
    return {
      kind,
      ino: this.nextIno++,
      perm: perm & 0o7777,
      uid: this.uid,
      gid: this.gid,
      atime: now,
      mtime: now,
      nlink: 1,
      data: Buffer.alloc(0),
      size: 0,
      children: new Map(),
      target,
    };
  }

  /** Resolves a normalised path; `followFinal` decides whether a final symlink is followed. */
  resolve(path: string, followFinal: boolean): { node: MemNode; path: string } {
    return this.walk(splitPath(path), followFinal);
  }

  /** Resolves every component but the last (following links), for operations on the entry itself. */
  lookup(path: string): MemLookup {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw errnoError('EPERM');
    const dir = this.walk(parts, true);
    if (dir.node.kind !== 'dir') throw errnoError('ENOTDIR');
    return { parent: dir.node, parentPath: dir.path, name, node: dir.node.children.get(name) };
  }

  private walk(parts: string[], followFinal: boolean): { node: MemNode; path: string } {
    const names: string[] = [];
    const stack: MemNode[] = [];
    let links = 0;
    let cur = this.root;
    const queue = [...parts];
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === '.' || c === '') continue;
      if (c === '..') {
        if (stack.length > 0) {
          stack.pop();
          names.pop();
        }
        cur = stack.length > 0 ? stack[stack.length - 1]! : this.root;
        continue;
      }
      if (cur.kind !== 'dir') throw errnoError('ENOTDIR');
      const next = cur.children.get(c);
      if (!next) throw errnoError('ENOENT');
      if (next.kind === 'symlink' && (queue.length > 0 || followFinal)) {
        if (++links > MAX_LINKS) throw errnoError('ELOOP');
        const t = next.target;
        queue.unshift(...t.split('/'));
        if (t.startsWith('/')) {
          stack.length = 0;
          names.length = 0;
          cur = this.root;
        }
        continue;
      }
      stack.push(next);
      names.push(c);
      cur = next;
    }
    return { node: cur, path: '/' + names.join('/') };
  }
}
