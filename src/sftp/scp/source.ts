import { isDirectoryMode, isRegularMode, type FileStat } from '../attrs.js';
import { baseName, joinPath, normalizePath, parentPath } from '../path.js';
import { expandTilde } from '../path.js';
import type { VfsFile } from '../vfs.js';
import { globMatch, type ScpPath } from './command.js';
import { fatal, reason, response, warn, type ScpContext } from './context.js';
import { writeOut } from './stream-io.js';

const MAX_DEPTH = 64;
const CHUNK = 256 * 1024;
const READ_FLAGS = {
  read: true,
  write: false,
  append: false,
  create: false,
  truncate: false,
  exclusive: false,
};

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * The source side (`scp -f path...`): sends files and (with -r) directory trees from the Vfs to
 * the client as `T`/`C`/`D`/`E` records (OpenSSH scp.c `source()`/`rsource()`). Unquoted
 * wildcards in the last component are matched here, since no shell expands them.
 */
export async function runSource(ctx: ScpContext): Promise<void> {
  if (!(await response(ctx))) await fatal(ctx, 'protocol error: sink refused to start');
  for (const arg of ctx.cmd.paths) {
    for (const [path, shown] of await expand(ctx, arg)) await sendPath(ctx, path, shown, 0);
  }
}

/** The paths an argument names, each with the name to show in messages. */
async function expand(ctx: ScpContext, arg: ScpPath): Promise<[string, string][]> {
  let full: string;
  try {
    full = normalizePath(expandTilde(arg.path, ctx.home, ctx.username), ctx.home);
  } catch {
    await warn(ctx, `${arg.path}: No such file or directory`);
    return [];
  }
  if (!arg.glob) return [[full, arg.path]];
  const dir = parentPath(full);
  const names: string[] = [];
  try {
    const d = await ctx.vfs.opendir(dir);
    try {
      for (let batch = await d.next(); batch; batch = await d.next()) {
        for (const e of batch) if (globMatch(e.name, arg.glob)) names.push(e.name);
      }
    } finally {
      await d.close();
    }
  } catch {
    // reported below as no match
  }
  if (names.length === 0) await warn(ctx, `${arg.path}: No such file or directory`);
  const shownDir = arg.path.slice(0, arg.path.lastIndexOf('/') + 1);
  return names.sort().map((n) => [joinPath(dir, n), shownDir + n]);
}

async function sendPath(ctx: ScpContext, path: string, shown: string, depth: number): Promise<void> {
  let st: FileStat;
  try {
    st = await ctx.vfs.stat(path);
  } catch (err) {
    await warn(ctx, `${shown}: ${reason(err)}`);
    return;
  }
  const name = baseName(path);
  if (name.includes('\n')) {
    await warn(ctx, `${shown}: file name contains a newline`);
    return;
  }
  if (isDirectoryMode(st.permissions)) {
    if (!ctx.cmd.recursive) await warn(ctx, `${shown}: not a regular file`);
    else await sendDir(ctx, path, name, st, depth);
  } else if (isRegularMode(st.permissions)) {
    await sendFile(ctx, path, name, shown, st);
  } else {
    await warn(ctx, `${shown}: not a regular file`);
  }
}

async function sendTimes(ctx: ScpContext, st: FileStat): Promise<boolean> {
  if (!ctx.cmd.preserve) return true;
  await writeOut(ctx.out, `T${st.mtime} 0 ${st.atime} 0\n`);
  return response(ctx);
}

async function sendFile(
  ctx: ScpContext,
  path: string,
  name: string,
  shown: string,
  st: FileStat,
): Promise<void> {
  let file: VfsFile;
  try {
    file = await ctx.vfs.open(path, READ_FLAGS, {});
  } catch (err) {
    await warn(ctx, `${shown}: ${reason(err)}`);
    return;
  }
  try {
    if (!(await sendTimes(ctx, st))) return;
    await writeOut(ctx.out, `C${octal(st.permissions)} ${st.size} ${name}\n`);
    if (!(await response(ctx))) return;
    let failure: unknown;
    for (let pos = 0; pos < st.size;) {
      const want = Math.min(CHUNK, st.size - pos);
      let data: Buffer;
      if (failure === undefined) {
        const got = await file.read(pos, want).catch((err: unknown) => ((failure = err), null));
        if (got === null && failure === undefined) failure = new Error('file shrank while being sent');
        data = got ? Buffer.from(got.buffer, got.byteOffset, got.byteLength) : Buffer.alloc(want);
      } else {
        // Keep the stream in step after a failure: the peer expects exactly `size` bytes.
        data = Buffer.alloc(want);
      }
      await writeOut(ctx.out, data);
      pos += data.length;
    }
    if (failure !== undefined) await warn(ctx, `${shown}: ${reason(failure)}`);
    else await writeOut(ctx.out, Buffer.from([0]));
    await response(ctx);
  } finally {
    await file.close().catch(() => undefined);
  }
}

async function sendDir(
  ctx: ScpContext,
  path: string,
  name: string,
  st: FileStat,
  depth: number,
): Promise<void> {
  if (depth >= MAX_DEPTH) {
    await warn(ctx, `${path}: directory tree too deep`);
    return;
  }
  const names: string[] = [];
  try {
    const d = await ctx.vfs.opendir(path);
    try {
      for (let batch = await d.next(); batch; batch = await d.next())
        for (const e of batch) names.push(e.name);
    } finally {
      await d.close();
    }
  } catch (err) {
    await warn(ctx, `${path}: ${reason(err)}`);
    return;
  }
  if (!(await sendTimes(ctx, st))) return;
  await writeOut(ctx.out, `D${octal(st.permissions)} 0 ${name}\n`);
  if (!(await response(ctx))) return;
  for (const n of names.sort()) await sendPath(ctx, joinPath(path, n), joinPath(path, n), depth + 1);
  await writeOut(ctx.out, 'E\n');
  await response(ctx);
}
