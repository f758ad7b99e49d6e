import { SftpStatus } from './constants.js';
import { SftpError } from './errors.js';

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Longest path component, in UTF-8 bytes (NAME_MAX). */
export const MAX_NAME_BYTES = 255;
/** Most components in a normalised path. */
export const MAX_PATH_DEPTH = 256;

/**
 * Normalises a client path to the virtual absolute form every Vfs receives: relative paths are
 * taken from `home`, `.` and empty components are dropped, and `..` is applied lexically and
 * stops at `/` (the jail root), so the result can never name anything above it. NUL bytes,
 * over-long names and paths are refused. `~` is an ordinary file name here, as in OpenSSH's
 * server; only expand-path@openssh.com expands it.
 */
export function normalizePath(raw: string, home = '/'): string {
  if (raw.includes('\0')) throw new SftpError(SftpStatus.NoSuchFile, 'No such file');
  if (Buffer.byteLength(raw, 'utf8') > MAX_PATH_BYTES) {
    throw new SftpError(SftpStatus.BadMessage, 'File name too long');
  }
  const parts: string[] = raw.startsWith('/') ? [] : splitPath(home);
  for (const c of raw.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      parts.pop();
      continue;
    }
    if (Buffer.byteLength(c, 'utf8') > MAX_NAME_BYTES) {
      throw new SftpError(SftpStatus.BadMessage, 'File name too long');
    }
    parts.push(c);
    if (parts.length > MAX_PATH_DEPTH) throw new SftpError(SftpStatus.BadMessage, 'File name too long');
  }
  return '/' + parts.join('/');
}

/** The components of a normalised path (`/` has none). */
export function splitPath(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/** The parent of a normalised path (`/` is its own parent, as in a chroot). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last component of a normalised path (`/` for the root). */
export function baseName(path: string): string {
  if (path === '/') return '/';
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a normalised directory path and one component. */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * Expands a leading `~` or `~user` against the session's home (expand-path@openssh.com, scp paths).
 * Only the session's own user name is known; any other `~user` is refused.
 */
export function expandTilde(raw: string, home: string, username?: string): string {
  if (!raw.startsWith('~')) return raw;
  const slash = raw.indexOf('/');
  const user = slash === -1 ? raw.slice(1) : raw.slice(1, slash);
  if (user !== '' && user !== username) throw new SftpError(SftpStatus.NoSuchFile, 'No such file');
  return slash === -1 ? home : home + raw.slice(slash);
}
