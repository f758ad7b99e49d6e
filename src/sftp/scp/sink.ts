import { isDirectoryMode } from '../attrs.js';
import { expandTilde, joinPath, normalizePath } from '../path.js';
import type { VfsFile } from '../vfs.js';
import { ack, fatal, isNotFound, reason, response, warn, type ScpContext } from './context.js';
import { ScpConnectionLost } from './stream-io.js';

const MAX_DEPTH = 64;
const WRITE_FLAGS = {
  read: false,
  write: true,
  append: false,
  create: true,
  truncate: true,
  exclusive: false,
};

interface Times {
  readonly mtime: number;
  readonly atime: number;
}

/** A `C`/`D` record: `Cmmmm <size> <name>` with exactly four octal digits, as OpenSSH sends. */
function parseRecord(line: string): { mode: number; size: number; name: string } | undefined {
  const m = /^([0-7]{4}) (\d{1,16}) (.+)$/s.exec(line);
  if (!m) return undefined;
  const size = Number(m[2]);
  if (!Number.isSafeInteger(size)) return undefined;
  return { mode: parseInt(m[1]!, 8) & 0o777, size, name: m[3]! };
}

/** A file name from the peer must be one plain component (CVE-2019-6111's lesson, server side). */
function validName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/**
 * The sink side (`scp -t target`): receives `T`, `C`, `D`, `E` records and file data from the
 * client into the Vfs (draft: OpenSSH scp.c `sink()`). Files are opened CREAT|TRUNC, so on the
 * local backend an interrupted upload never replaces the old file. Errors for one item are sent as
 * warnings (the client skips that item); protocol violations are fatal.
 */
export async function runSink(ctx: ScpContext): Promise<void> {
  const raw = ctx.cmd.paths[0]!.path;
  let target = '/';
  try {
    target = normalizePath(expandTilde(raw, ctx.home, ctx.username), ctx.home);
  } catch {
    await fatal(ctx, `${raw}: No such file or directory`);
  }
  const isDir = await ctx.vfs.stat(target).then(
    (s) => isDirectoryMode(s.permissions),
    () => false,
  );
  if (ctx.cmd.targetIsDir && !isDir) await fatal(ctx, `${target}: Not a directory`);
  await ack(ctx);
  await sinkLevel(ctx, target, isDir, 0);
}

async function sinkLevel(ctx: ScpContext, target: string, isDir: boolean, depth: number): Promise<void> {
  let times: Times | undefined;
  for (;;) {
    const first = await ctx.reader.readByte();
    if (first === null) {
      if (depth > 0) throw new ScpConnectionLost('connection closed inside a directory');
      return;
    }
    if (first === 1 || first === 2) {
      const msg = await ctx.reader.readLine();
      ctx.log?.debug({ message: msg }, 'scp source reported an error');
      if (first === 2) await fatal(ctx, msg);
      ctx.errors++;
      continue;
    }
    const line = await ctx.reader.readLine();
    const kind = String.fromCharCode(first);
    if (kind === 'E') {
      if (depth === 0) await fatal(ctx, 'protocol error: unexpected end of directory');
      await ack(ctx);
      return;
    }
    if (kind === 'T') {
      const m = /^(\d{1,12}) (\d{1,6}) (\d{1,12}) (\d{1,6})$/.exec(line);
      if (!m) await fatal(ctx, 'protocol error: bad time record');
      times = { mtime: Number(m![1]), atime: Number(m![3]) };
      await ack(ctx);
      continue;
    }
    if (kind !== 'C' && kind !== 'D') await fatal(ctx, 'protocol error: expected control record');
    const rec = parseRecord(line);
    if (!rec) await fatal(ctx, 'protocol error: bad record');
    if (!validName(rec!.name)) await fatal(ctx, `error: unexpected filename: ${rec!.name}`);
    const dest = isDir ? joinPath(target, rec!.name) : target;
    if (kind === 'D') await sinkDir(ctx, dest, rec!.mode, times, depth);
    else await sinkFile(ctx, dest, rec!.name, rec!.mode, rec!.size, times);
    times = undefined;
  }
}

async function sinkDir(
  ctx: ScpContext,
  dest: string,
  mode: number,
  times: Times | undefined,
  depth: number,
): Promise<void> {
  if (!ctx.cmd.recursive) await fatal(ctx, 'received directory without -r');
  if (depth >= MAX_DEPTH) await fatal(ctx, 'directory tree too deep');
  let created = false;
  try {
    const st = await ctx.vfs.stat(dest).catch(async (err: unknown) => {
      if (!isNotFound(err)) throw err;
      await ctx.vfs.mkdir(dest, { permissions: mode | 0o700 });
      created = true;
      return ctx.vfs.stat(dest);
    });
    if (!isDirectoryMode(st.permissions)) {
      await warn(ctx, `${dest}: Not a directory`);
      return;
    }
  } catch (err) {
    await warn(ctx, `${dest}: ${reason(err)}`);
    return;
  }
  await ack(ctx);
  await sinkLevel(ctx, dest, true, depth + 1);
  try {
    if (ctx.cmd.preserve && times) await ctx.vfs.setstat(dest, { atime: times.atime, mtime: times.mtime });
    if (created && ctx.cmd.preserve) await ctx.vfs.setstat(dest, { permissions: mode });
  } catch (err) {
    await warn(ctx, `${dest}: set mode/times: ${reason(err)}`);
  }
}

async function discard(file: VfsFile): Promise<void> {
  await (file.abort ? file.abort() : file.close()).catch(() => undefined);
}

async function sinkFile(
  ctx: ScpContext,
  dest: string,
  name: string,
  mode: number,
  size: number,
  times: Times | undefined,
): Promise<void> {
  let file: VfsFile;
  try {
    file = await ctx.vfs.open(dest, WRITE_FLAGS, { permissions: mode });
  } catch (err) {
    await warn(ctx, `${dest}: ${reason(err)}`);
    return;
  }
  let failure: unknown;
  let sourceOk: boolean;
  try {
    await ack(ctx);
    for (let pos = 0; pos < size;) {
      const chunk = await ctx.reader.readChunk(Math.min(size - pos, 256 * 1024));
      if (!chunk) throw new ScpConnectionLost('connection closed during file data');
      if (failure === undefined) await file.write(pos, chunk).catch((err: unknown) => (failure = err));
      pos += chunk.length;
    }
    // libssh2 (curl's scp://, PHP's ssh2_scp_send) ends its stream after a file's data without
    // the status byte. All the data came, so the file stands, as with OpenSSH's scp -t (which has
    // closed the file by the time it finds the stream ended).
    sourceOk = (await ctx.reader.atEnd()) || (await response(ctx));
    if (failure === undefined && sourceOk && ctx.cmd.preserve) {
      const t = times ? { atime: times.atime, mtime: times.mtime } : {};
      await file.fsetstat({ permissions: mode, ...t }).catch((err: unknown) => (failure = err));
    }
  } catch (err) {
    await discard(file);
    throw err;
  }
  if (failure === undefined && sourceOk) {
    // For an atomic upload, this is where the file replaces the old one.
    await file.close().catch((err: unknown) => (failure = err));
  } else {
    // The source failed to read its file, or we failed to write: keep the old file, not a partial one.
    await discard(file);
  }
  if (failure !== undefined) await warn(ctx, `${name}: ${reason(failure)}`);
  else await ack(ctx);
}
