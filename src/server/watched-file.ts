import { readFile, stat } from 'node:fs/promises';

/**
 * A file read again when it changes (inode, size or modification time), parsed once per version:
 * what sshd does for `TrustedUserCAKeys` and `RevokedKeys`, which it reads on every use, at the
 * cost of one `stat` per use. Read and parse errors reach the caller, who decides how to fail.
 */
export class WatchedFile<T> {
  private cached: { readonly stamp: string; readonly value: T } | undefined;

  constructor(
    readonly path: string,
    private readonly parse: (data: Buffer) => T,
  ) {}

  /** The parsed contents as the file is now. */
  async get(): Promise<T> {
    const s = await stat(this.path, { bigint: true });
    const stamp = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    if (this.cached?.stamp === stamp) return this.cached.value;
    const value = this.parse(await readFile(this.path));
    this.cached = { stamp, value };
    return value;
  }
}
