/**
 * The reference server for the benchmark: what a developer builds with the `ssh2` npm package.
 * Public key auth against one authorized key; `exec` through child_process; SFTP through ssh2's
 * SFTP server API over the local disk (absolute paths, no jail). ssh2's defaults otherwise
 * (notably Nagle's algorithm stays on, as a plain `new Server()` leaves it; `--nodelay` turns it off).
 *
 * Run: node --import tsx bench/servers/ssh2-server.ts --port N --host-key FILE --authorized-key FILE
 */
import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { constants, promises as fsp, readFileSync, type Stats } from 'node:fs';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import type { Attributes, AuthContext, ServerChannel, SFTPWrapper } from 'ssh2';

const { Server, utils } = ssh2;
const { OPEN_MODE, STATUS_CODE } = utils.sftp;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'host-key': { type: 'string' },
    'authorized-key': { type: 'string' },
    nodelay: { type: 'boolean', default: false },
  },
});

const allowed = utils.parseKey(readFileSync(values['authorized-key']!));
if (allowed instanceof Error) throw allowed;
const allowedKey = Array.isArray(allowed) ? allowed[0]! : allowed;
const allowedBlob = allowedKey.getPublicSSH();

function checkKey(ctx: AuthContext): boolean {
  if (ctx.method !== 'publickey') return false;
  if (ctx.key.algo !== allowedKey.type) return false;
  if (ctx.key.data.length !== allowedBlob.length || !timingSafeEqual(ctx.key.data, allowedBlob)) return false;
  if (!ctx.signature) return true;
  return allowedKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true;
}

function toAttrs(s: Stats): Attributes {
  return {
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    atime: Math.floor(s.atimeMs / 1000),
    mtime: Math.floor(s.mtimeMs / 1000),
  };
}

function errStatus(err: unknown): number {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return STATUS_CODE.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

function openFlags(flags: number): number {
  let f = 0;
  const r = (flags & OPEN_MODE.READ) !== 0;
  const w = (flags & OPEN_MODE.WRITE) !== 0;
  f |= r && w ? constants.O_RDWR : w ? constants.O_WRONLY : constants.O_RDONLY;
  if (flags & OPEN_MODE.CREAT) f |= constants.O_CREAT;
  if (flags & OPEN_MODE.TRUNC) f |= constants.O_TRUNC;
  if (flags & OPEN_MODE.EXCL) f |= constants.O_EXCL;
  if (flags & OPEN_MODE.APPEND) f |= constants.O_APPEND;
  return f;
}

/** SFTP over the local disk with ssh2's server API: one request handler per operation. */
function serveSftp(sftp: SFTPWrapper): void {
  const files = new Map<number, fsp.FileHandle>();
  const dirs = new Map<number, { path: string; done: boolean }>();
  let next = 0;
  const handleOf = (b: Buffer) => (b.length === 4 ? b.readUInt32BE(0) : -1);
  const newHandle = () => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(next++ >>> 0, 0);
    return b;
  };
  const fail = (id: number) => (err: unknown) => sftp.status(id, errStatus(err));

  sftp.on('REALPATH', (id, path) => {
    fsp
      .realpath(path === '' ? '.' : path)
      .then((p) => sftp.name(id, [{ filename: p, longname: p, attrs: {} as Attributes }]), fail(id));
  });
  sftp.on('STAT', (id, path) => fsp.stat(path).then((s) => sftp.attrs(id, toAttrs(s)), fail(id)));
  sftp.on('LSTAT', (id, path) => fsp.lstat(path).then((s) => sftp.attrs(id, toAttrs(s)), fail(id)));
  sftp.on('OPEN', (id, path, flags, attrs) => {
    fsp.open(path, openFlags(flags), attrs?.mode ?? 0o644).then((fh) => {
      const h = newHandle();
      files.set(h.readUInt32BE(0), fh);
      sftp.handle(id, h);
    }, fail(id));
  });
  sftp.on('READ', (id, handle, offset, length) => {
    const fh = files.get(handleOf(handle));
    if (!fh) return sftp.status(id, STATUS_CODE.FAILURE);
    const buf = Buffer.allocUnsafe(length);
    fh.read(buf, 0, length, offset).then(({ bytesRead }) => {
      if (bytesRead === 0) sftp.status(id, STATUS_CODE.EOF);
      else sftp.data(id, buf.subarray(0, bytesRead));
    }, fail(id));
  });
  sftp.on('WRITE', (id, handle, offset, data) => {
    const fh = files.get(handleOf(handle));
    if (!fh) return sftp.status(id, STATUS_CODE.FAILURE);
    fh.write(data, 0, data.length, offset).then(() => sftp.status(id, STATUS_CODE.OK), fail(id));
  });
  sftp.on('FSTAT', (id, handle) => {
    const fh = files.get(handleOf(handle));
    if (!fh) return sftp.status(id, STATUS_CODE.FAILURE);
    fh.stat().then((s) => sftp.attrs(id, toAttrs(s)), fail(id));
  });
  sftp.on('FSETSTAT', (id) => sftp.status(id, STATUS_CODE.OK));
  sftp.on('SETSTAT', (id) => sftp.status(id, STATUS_CODE.OK));
  sftp.on('CLOSE', (id, handle) => {
    const n = handleOf(handle);
    const fh = files.get(n);
    if (fh) {
      files.delete(n);
      fh.close().then(() => sftp.status(id, STATUS_CODE.OK), fail(id));
    } else if (dirs.delete(n)) sftp.status(id, STATUS_CODE.OK);
    else sftp.status(id, STATUS_CODE.FAILURE);
  });
  sftp.on('OPENDIR', (id, path) => {
    fsp.stat(path).then((s) => {
      if (!s.isDirectory()) return sftp.status(id, STATUS_CODE.FAILURE);
      const h = newHandle();
      dirs.set(h.readUInt32BE(0), { path, done: false });
      sftp.handle(id, h);
    }, fail(id));
  });
  sftp.on('READDIR', (id, handle) => {
    const d = dirs.get(handleOf(handle));
    if (!d) return sftp.status(id, STATUS_CODE.FAILURE);
    if (d.done) return sftp.status(id, STATUS_CODE.EOF);
    d.done = true;
    fsp.readdir(d.path).then(async (names) => {
      const list = await Promise.all(
        names.map(async (n) => {
          const s = await fsp.lstat(`${d.path}/${n}`);
          return { filename: n, longname: n, attrs: toAttrs(s) };
        }),
      );
      sftp.name(id, list);
    }, fail(id));
  });
  sftp.on('REMOVE', (id, path) => fsp.unlink(path).then(() => sftp.status(id, STATUS_CODE.OK), fail(id)));
  sftp.on('RENAME', (id, a, b) => fsp.rename(a, b).then(() => sftp.status(id, STATUS_CODE.OK), fail(id)));
  // The client's EOF ends the session: close the channel, as OpenSSH's sftp-server does by
  // exiting. OpenSSH's `sftp` waits for that close; ssh2's client disconnects without it.
  sftp.on('end', () => sftp.end());
  sftp.on('close', () => {
    for (const fh of files.values()) void fh.close();
    files.clear();
  });
}

function serveExec(stream: ServerChannel, command: string): void {
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  stream.pipe(child.stdin);
  child.stdout.pipe(stream, { end: false });
  child.stderr.pipe(stream.stderr, { end: false });
  child.stdin.on('error', () => undefined);
  let outDone = 0;
  let code: number | null = null;
  const finish = () => {
    if (outDone < 2 || code === null) return;
    stream.exit(code);
    stream.end();
  };
  child.stdout.on('end', () => (outDone++, finish()));
  child.stderr.on('end', () => (outDone++, finish()));
  child.on('exit', (c, sig) => {
    code = c ?? (sig ? 128 : 1);
    finish();
  });
}

const server = new Server(
  {
    hostKeys: [readFileSync(values['host-key']!)],
    ...(process.env.BENCH_SSH2_DEBUG ? { debug: (m: string) => console.error(m) } : {}),
  },
  (client) => {
    if (values.nodelay) (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    client.on('authentication', (ctx) => (checkKey(ctx) ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('error', () => undefined);
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => serveExec(acceptExec(), info.command));
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp()));
      });
    });
  },
);

server.listen(Number(values.port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
