import type { FileAttrs, FileStat } from '../attrs.js';
import { SftpStatus } from '../constants.js';
import { errnoError, SftpError } from '../errors.js';
import { joinPath } from '../path.js';
import type { DirEntry, OpenFlags, RenameOptions, Vfs, VfsDir, VfsFile, VfsStatvfs } from '../vfs.js';
import { MemTree, nodeStat, type MemNode } from './memory-node.js';

/** Options of {@link createMemoryVfs}. */
export interface MemoryVfsOptions {
  /** Owner reported for every file (default 1000/1000). */
  readonly uid?: number;
  readonly gid?: number;
  /** Applied to the modes of created files and directories (default 0o022). */
  readonly umask?: number;
  /** Largest file size, so a write at a huge offset cannot exhaust memory (default 1 GiB). */
  readonly maxFileSize?: number;
}

/** The in-memory backend: the reference implementation of {@link Vfs} and the test backend. */
export interface MemoryVfs extends Vfs {
  /** Direct access to the tree, for tests that set up or inspect files. */
  readonly tree: MemTree;
}

const now = (): number => Math.floor(Date.now() / 1000);

function applyAttrs(n: MemNode, a: FileAttrs, maxSize: number): void {
  if ((a.uid !== undefined && a.uid !== n.uid) || (a.gid !== undefined && a.gid !== n.gid)) {
    throw new SftpError(SftpStatus.PermissionDenied, 'Changing owner is not permitted');
  }
  if (a.size !== undefined) {
    if (n.kind === 'dir') throw errnoError('EISDIR');
    if (n.kind !== 'file') throw errnoError('EINVAL');
    resize(n, a.size, maxSize);
    n.mtime = now();
  }
  if (a.permissions !== undefined) n.perm = a.permissions & 0o7777;
  if (a.atime !== undefined && a.mtime !== undefined) {
    n.atime = a.atime;
    n.mtime = a.mtime;
  }
}

function resize(n: MemNode, size: number, maxSize: number): void {
  if (size > maxSize) throw errnoError('EFBIG');
  if (size > n.data.length) {
    const grown = Buffer.alloc(Math.min(Math.max(size, n.data.length * 2, 4096), maxSize));
    n.data.copy(grown, 0, 0, n.size);
    n.data = grown;
  } else if (size > n.size) {
    n.data.fill(0, n.size, size);
  }
  n.size = size;
}

class MemFile implements VfsFile {
  constructor(
    private readonly node: MemNode,
    private readonly flags: OpenFlags,
    private readonly maxSize: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array | null> {
    const n = this.node;
    if (offset >= n.size) return null;
    return Buffer.from(n.data.subarray(offset, Math.min(n.size, offset + length)));
  }

  async readInto(offset: number, target: Uint8Array): Promise<number> {
    return this.readIntoNow(offset, target);
  }

  readIntoNow(offset: number, target: Uint8Array): number {
    const n = this.node;
    if (offset >= n.size) return 0;
    const len = Math.min(target.length, n.size - offset);
    target.set(n.data.subarray(offset, offset + len));
    return len;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.writeAt(offset, data);
  }

  writeNow(offset: number, data: Uint8Array): boolean {
    try {
      this.writeAt(offset, data);
      return true;
    } catch {
      return false; // over the size limit: write() reports it
    }
  }

  private writeAt(offset: number, data: Uint8Array): void {
    const n = this.node;
    const at = this.flags.append ? n.size : offset;
    const end = at + data.length;
    if (end > n.size) resize(n, end, this.maxSize);
    n.data.set(data, at);
    n.mtime = now();
  }

  async fstat(): Promise<FileStat> {
    return nodeStat(this.node);
  }

  async fsetstat(attrs: FileAttrs): Promise<void> {
    applyAttrs(this.node, attrs, this.maxSize);
  }

  async fsync(): Promise<void> {}

  async close(): Promise<void> {}
}

class MemDir implements VfsDir {
  private readonly names: string[];
  constructor(private readonly node: MemNode) {
    this.names = [...node.children.keys()];
  }

  async next(): Promise<readonly DirEntry[] | null> {
    if (this.names.length === 0) return null;
    const out: DirEntry[] = [];
    for (const name of this.names.splice(0, 100)) {
      const child = this.node.children.get(name);
      if (child) out.push({ name, stat: nodeStat(child) });
    }
    return out;
  }

  async close(): Promise<void> {}
}

class MemoryFs implements MemoryVfs {
  readonly tree: MemTree;
  private readonly umask: number;
  private readonly maxSize: number;

  constructor(o: MemoryVfsOptions) {
    this.tree = new MemTree(o.uid ?? 1000, o.gid ?? 1000);
    this.umask = o.umask ?? 0o022;
    this.maxSize = o.maxFileSize ?? 1024 * 1024 * 1024;
  }

  async realpath(path: string): Promise<string> {
    try {
      return this.tree.resolve(path, true).path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const l = this.tree.lookup(path);
      if (l.node) throw err; // a dangling link: no canonical name
      return joinPath(l.parentPath, l.name);
    }
  }

  async stat(path: string): Promise<FileStat> {
    return nodeStat(this.tree.resolve(path, true).node);
  }

  async lstat(path: string): Promise<FileStat> {
    return nodeStat(this.tree.resolve(path, false).node);
  }

  async setstat(path: string, attrs: FileAttrs): Promise<void> {
    applyAttrs(this.tree.resolve(path, true).node, attrs, this.maxSize);
  }

  async lsetstat(path: string, attrs: FileAttrs): Promise<void> {
    applyAttrs(this.tree.resolve(path, false).node, attrs, this.maxSize);
  }

  async open(path: string, flags: OpenFlags, attrs: FileAttrs): Promise<VfsFile> {
    let l = this.tree.lookup(path);
    for (let hops = 0; l.node?.kind === 'symlink'; hops++) {
      if (flags.create && flags.exclusive) throw errnoError('EEXIST');
      if (hops >= 40) throw errnoError('ELOOP');
      const t = l.node.target;
      l = this.tree.lookup(t.startsWith('/') ? t : joinPath(l.parentPath, t));
    }
    let node = l.node;
    if (!node) {
      if (!flags.create) throw errnoError('ENOENT');
      node = this.tree.make('file', (attrs.permissions ?? 0o666) & ~this.umask);
      l.parent.children.set(l.name, node);
      l.parent.mtime = now();
    } else {
      if (flags.create && flags.exclusive) throw errnoError('EEXIST');
      if (node.kind === 'dir') throw errnoError('EISDIR');
      if (flags.truncate) resize(node, 0, this.maxSize);
    }
    return new MemFile(node, flags, this.maxSize);
  }

  async opendir(path: string): Promise<VfsDir> {
    const node = this.tree.resolve(path, true).node;
    if (node.kind !== 'dir') throw errnoError('ENOTDIR');
    return new MemDir(node);
  }

  async mkdir(path: string, attrs: FileAttrs): Promise<void> {
    const l = this.tree.lookup(path);
    if (l.node) throw errnoError('EEXIST');
    const dir = this.tree.make('dir', (attrs.permissions ?? 0o777) & ~this.umask);
    dir.nlink = 2;
    l.parent.children.set(l.name, dir);
    l.parent.nlink++;
    l.parent.mtime = now();
  }

  async rmdir(path: string): Promise<void> {
    const l = this.tree.lookup(path);
    if (!l.node) throw errnoError('ENOENT');
    if (l.node.kind !== 'dir') throw errnoError('ENOTDIR');
    if (l.node.children.size > 0) throw errnoError('ENOTEMPTY');
    l.parent.children.delete(l.name);
    l.parent.nlink--;
    l.parent.mtime = now();
  }

  async remove(path: string): Promise<void> {
    const l = this.tree.lookup(path);
    if (!l.node) throw errnoError('ENOENT');
    if (l.node.kind === 'dir') throw errnoError('EISDIR');
    l.parent.children.delete(l.name);
    l.node.nlink--;
    l.parent.mtime = now();
  }

  async rename(from: string, to: string, options: RenameOptions): Promise<void> {
    const src = this.tree.lookup(from);
    const dst = this.tree.lookup(to);
    if (!src.node) throw errnoError('ENOENT');
    if (src.node === dst.node) return;
    if (src.node.kind === 'dir' && this.contains(src.node, dst.parent)) throw errnoError('EINVAL');
    if (dst.node) {
      if (!options.overwrite) throw errnoError('EEXIST');
      if (src.node.kind === 'dir' && dst.node.kind !== 'dir') throw errnoError('ENOTDIR');
      if (src.node.kind !== 'dir' && dst.node.kind === 'dir') throw errnoError('EISDIR');
      if (dst.node.kind === 'dir' && dst.node.children.size > 0) throw errnoError('ENOTEMPTY');
      dst.node.nlink--;
    }
    src.parent.children.delete(src.name);
    dst.parent.children.set(dst.name, src.node);
    src.parent.mtime = dst.parent.mtime = now();
  }

  private contains(dir: MemNode, candidate: MemNode): boolean {
    if (dir === candidate) return true;
    for (const c of dir.children.values()) if (c.kind === 'dir' && this.contains(c, candidate)) return true;
    return false;
  }

  async readlink(path: string): Promise<string> {
    const node = this.tree.resolve(path, false).node;
    if (node.kind !== 'symlink') throw errnoError('EINVAL');
    return node.target;
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    const l = this.tree.lookup(linkPath);
    if (l.node) throw errnoError('EEXIST');
    l.parent.children.set(l.name, this.tree.make('symlink', 0o777, target));
    l.parent.mtime = now();
  }

  async link(existing: string, newPath: string): Promise<void> {
    const src = this.tree.resolve(existing, false).node;
    if (src.kind === 'dir') throw errnoError('EPERM');
    const l = this.tree.lookup(newPath);
    if (l.node) throw errnoError('EEXIST');
    l.parent.children.set(l.name, src);
    src.nlink++;
  }

  async statvfs(): Promise<VfsStatvfs> {
    const bsize = 4096;
    const blocks = Math.floor(this.maxSize / bsize);
    return {
      bsize,
      frsize: bsize,
      blocks,
      bfree: blocks,
      bavail: blocks,
      files: 1e6,
      ffree: 1e6,
      favail: 1e6,
      readOnly: false,
      namemax: 255,
    };
  }
}

/** Creates an empty in-memory file system. */
export function createMemoryVfs(options: MemoryVfsOptions = {}): MemoryVfs {
  return new MemoryFs(options);
}
