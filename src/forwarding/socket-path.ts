import { lstat, realpath, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { connectWithTimeout } from './connect.js';

/** Longest unix socket path Linux takes (`sun_path` is 108 bytes with the NUL). */
export const MAX_SOCKET_PATH = 107;

/** Where a unix-socket forward may go: the real path to use, or why not (`missing`: no such socket). */
export type SocketPathVerdict =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly why: string; readonly missing?: boolean };

/** Real paths of the allowed directories (`~` is `home`); directories that do not exist are left out. */
async function realDirs(dirs: readonly string[], home: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    try {
      out.push(await realpath(d === '~' ? home : d));
    } catch {
      // A missing directory allows nothing.
    }
  }
  return out;
}

const inside = (path: string, dir: string) => path.startsWith(dir === sep ? sep : dir + sep);

/**
 * Checks a socket path from a client against the allowed directories, following symlinks: its
 * directory must resolve inside one and its name be a plain file name; for `connect` the socket
 * itself (after symlinks) must too. Returns the resolved path, which is what we then use.
 */
export async function checkSocketPath(
  requested: string,
  allowedDirs: readonly string[],
  home: string,
  mode: 'connect' | 'listen',
): Promise<SocketPathVerdict> {
  if (!isAbsolute(requested) || requested.includes('\0')) return { ok: false, why: 'not an absolute path' };
  if (Buffer.byteLength(requested) > MAX_SOCKET_PATH) return { ok: false, why: 'path too long' };
  const name = basename(requested);
  if (name === '' || name === '.' || name === '..' || requested.endsWith('/'))
    return { ok: false, why: 'not a file name' };
  const dirs = await realDirs(allowedDirs, home);
  let resolved: string;
  try {
    resolved = join(await realpath(dirname(requested)), name);
  } catch {
    return { ok: false, why: 'no such directory' };
  }
  if (!dirs.some((d) => inside(resolved, d))) return { ok: false, why: 'outside the allowed directories' };
  if (mode === 'connect') {
    try {
      resolved = await realpath(resolved);
    } catch {
      return { ok: false, why: 'no such socket', missing: true };
    }
    if (!dirs.some((d) => inside(resolved, d))) return { ok: false, why: 'outside the allowed directories' };
  }
  if (Buffer.byteLength(resolved) > MAX_SOCKET_PATH) return { ok: false, why: 'path too long' };
  return { ok: true, path: resolved };
}

/**
 * Removes a socket left behind at `path` if it is ours and dead: a socket (never any other kind of
 * file), owned by this process's user, that refuses connections. Returns whether it was removed.
 */
export async function removeStaleSocket(path: string): Promise<boolean> {
  try {
    const st = await lstat(path);
    if (!st.isSocket() || st.uid !== process.getuid?.()) return false;
  } catch {
    return false;
  }
  try {
    const probe = await connectWithTimeout({ path }, 1000, new AbortController().signal);
    probe.destroy();
    return false; // Someone is listening: not stale.
  } catch (err) {
    if (!(err instanceof Error) || !/ECONNREFUSED/.test(err.message)) return false;
  }
  try {
    await unlink(path);
    return true;
  } catch {
    return false;
  }
}
