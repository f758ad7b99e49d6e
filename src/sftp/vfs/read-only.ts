import type { FileAttrs, FileStat } from '../attrs.js';
import { SftpStatus } from '../constants.js';
import { SftpError } from '../errors.js';
import type { OpenFlags, Vfs, VfsDir, VfsFile, VfsStatvfs } from '../vfs.js';

const denied = (): never => {
  throw new SftpError(SftpStatus.PermissionDenied, 'Read-only file system');
};

class ReadOnlyFile implements VfsFile {
  constructor(private readonly inner: VfsFile) {}
  read(offset: number, length: number): Promise<Uint8Array | null> {
    return this.inner.read(offset, length);
  }
  get readInto(): VfsFile['readInto'] {
    const f = this.inner.readInto;
    return f ? (offset, target) => f.call(this.inner, offset, target) : undefined;
  }
  readIntoNow(offset: number, target: Uint8Array): number | undefined {
    return this.inner.readIntoNow?.(offset, target);
  }
  async write(): Promise<void> {
    denied();
  }
  fstat(): Promise<FileStat> {
    return this.inner.fstat();
  }
  async fsetstat(): Promise<void> {
    denied();
  }
  async fstatvfs(): Promise<VfsStatvfs> {
    if (!this.inner.fstatvfs) throw new SftpError(SftpStatus.OpUnsupported);
    return { ...(await this.inner.fstatvfs()), readOnly: true };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * A read-only view of a Vfs (a read-only account): every request that would change something is
 * answered PERMISSION_DENIED before it reaches the backend (catalogue D18), as OpenSSH's
 * `sftp-server -R` does.
 */
export function readOnlyVfs(inner: Vfs): Vfs {
  const readOnlyOpen = (flags: OpenFlags): boolean =>
    !flags.write && !flags.create && !flags.truncate && !flags.append;
  return {
    realpath: (p) => inner.realpath(p),
    stat: (p) => inner.stat(p),
    lstat: (p) => inner.lstat(p),
    setstat: async () => denied(),
    lsetstat: async () => denied(),
    async open(path: string, flags: OpenFlags, attrs: FileAttrs) {
      if (!readOnlyOpen(flags)) denied();
      return new ReadOnlyFile(await inner.open(path, flags, attrs));
    },
    opendir: (p): Promise<VfsDir> => inner.opendir(p),
    mkdir: async () => denied(),
    rmdir: async () => denied(),
    remove: async () => denied(),
    rename: async () => denied(),
    ...(inner.readlink ? { readlink: (p: string) => inner.readlink!(p) } : {}),
    symlink: async () => denied(),
    link: async () => denied(),
    ...(inner.statvfs
      ? { statvfs: async (p: string) => ({ ...(await inner.statvfs!(p)), readOnly: true }) }
      : {}),
  };
}
