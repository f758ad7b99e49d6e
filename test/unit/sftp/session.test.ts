import { afterEach, describe, expect, it } from 'vitest';
import { Fxp, Pflag, SftpStatus } from '../../../src/sftp/constants.js';
import type { SftpOperationEvent } from '../../../src/sftp/options.js';
import { createMemoryVfs, type MemoryVfs } from '../../../src/sftp/vfs/memory-fs.js';
import { readOnlyVfs } from '../../../src/sftp/vfs/read-only.js';
import { expectStatus, TestSftpClient } from './helpers/sftp-client.js';

const RW = Pflag.Read | Pflag.Write;
const CREATE = Pflag.Write | Pflag.Creat | Pflag.Trunc;
let clients: TestSftpClient[] = [];

async function connect(vfs: MemoryVfs = createMemoryVfs(), opts = {}): Promise<[TestSftpClient, MemoryVfs]> {
  const c = await TestSftpClient.connect(vfs, opts);
  clients.push(c);
  return [c, vfs];
}

async function put(c: TestSftpClient, path: string, data: string | Buffer): Promise<void> {
  const h = await c.open(path, CREATE);
  await c.write(h, 0, Buffer.from(data));
  await c.close(h);
}

async function get(c: TestSftpClient, path: string): Promise<string> {
  const h = await c.open(path, Pflag.Read);
  const parts: Buffer[] = [];
  for (let off = 0; ;) {
    const d = await c.read(h, off, 1000);
    if (!d) break;
    parts.push(d);
    off += d.length;
  }
  await c.close(h);
  return Buffer.concat(parts).toString();
}

afterEach(async () => {
  await Promise.all(clients.map((c) => c.end()));
  clients = [];
});

describe('SFTP session over memory', () => {
  it('answers INIT with VERSION 3 and the OpenSSH extensions', async () => {
    const [c] = await connect();
    expect(c.version?.version).toBe(3);
    const ext = c.version!.extensions;
    for (const name of [
      'posix-rename@openssh.com',
      'statvfs@openssh.com',
      'fstatvfs@openssh.com',
      'hardlink@openssh.com',
      'fsync@openssh.com',
      'lsetstat@openssh.com',
      'limits@openssh.com',
      'expand-path@openssh.com',
      'copy-data',
      'home-directory',
      'users-groups-by-id@openssh.com',
      'check-file',
    ]) {
      expect(ext.has(name), name).toBe(true);
    }
    expect(ext.get('statvfs@openssh.com')).toBe('2');
  });

  it('writes, reads, stats and lists files', async () => {
    const [c] = await connect();
    await put(c, 'hello.txt', 'hello world');
    expect(await get(c, '/hello.txt')).toBe('hello world');
    const st = await c.stat('hello.txt');
    expect(st.size).toBe(11n);
    expect(st.permissions! & 0o777).toBe(0o644);
    await c.status(Fxp.Mkdir, (w) => w.text('d').u32(0));
    const list = await c.readdir('/');
    expect(list.map((e) => e.name).sort()).toEqual(['.', '..', 'd', 'hello.txt']);
    const line = list.find((e) => e.name === 'hello.txt')!.longname;
    expect(line).toMatch(/^-rw-r--r-- +1 1000 +1000 +11 \w{3} [ \d]\d [\d :]{5} hello.txt$/);
    expect(await c.realpath('d/../d/./')).toBe('/d');
    expect(await c.realpath('.')).toBe('/');
  });

  it('honours OPEN flags: EXCL, APPEND, TRUNC, and refuses a directory as a file', async () => {
    const [c] = await connect();
    await put(c, 'f', 'abc');
    await expectStatus(c.open('f', CREATE | Pflag.Excl), SftpStatus.Failure);
    const a = await c.open('f', Pflag.Write | Pflag.Append);
    await c.write(a, 0, Buffer.from('def'));
    await c.close(a);
    expect(await get(c, 'f')).toBe('abcdef');
    await expectStatus(c.open('missing', Pflag.Read), SftpStatus.NoSuchFile);
    await expectStatus(c.open('f', Pflag.Read | Pflag.Trunc), SftpStatus.Failure);
    await c.status(Fxp.Mkdir, (w) => w.text('dir').u32(0));
    await expectStatus(c.open('dir', Pflag.Read), SftpStatus.Failure);
    const t = await c.open('f', Pflag.Write | Pflag.Trunc);
    await c.close(t);
    expect((await c.stat('f')).size).toBe(0n);
  });

  it('creates files with the requested mode under the umask, special bits masked', async () => {
    const [c] = await connect();
    const h = await c.open('x', CREATE, { permissions: 0o4777 });
    await c.close(h);
    expect((await c.stat('x')).permissions! & 0o7777).toBe(0o755);
    await c.status(Fxp.Setstat, (w) => w.text('x').u32(4).u32(0o6777));
    expect((await c.stat('x')).permissions! & 0o7777).toBe(0o777);
  });

  it('SETSTAT/FSETSTAT change size, mode and times; ownership changes are refused', async () => {
    const [c] = await connect();
    await put(c, 'f', '0123456789');
    await c.status(Fxp.Setstat, (w) =>
      w
        .text('f')
        .u32(1 | 8)
        .u64(4n)
        .u32(1000)
        .u32(2000),
    );
    const st = await c.stat('f');
    expect([st.size, st.atime, st.mtime]).toEqual([4n, 1000, 2000]);
    const h = await c.open('f', RW);
    await c.status(Fxp.Fsetstat, (w) => w.bytes(h).u32(4).u32(0o600));
    expect((await c.fstat(h)).permissions! & 0o777).toBe(0o600);
    await expectStatus(
      c.status(Fxp.Fsetstat, (w) => w.bytes(h).u32(2).u32(0).u32(0)),
      SftpStatus.PermissionDenied,
    );
    await c.close(h);
  });

  it('renames without replacing; posix-rename replaces', async () => {
    const [c] = await connect();
    await put(c, 'a', 'A');
    await put(c, 'b', 'B');
    await expectStatus(
      c.status(Fxp.Rename, (w) => w.text('a').text('b')),
      SftpStatus.Failure,
    );
    TestSftpClient.check(
      await c.extended('posix-rename@openssh.com', (w) => w.text('a').text('b')),
      Fxp.Status,
    );
    expect(await get(c, 'b')).toBe('A');
    await expectStatus(c.stat('a'), SftpStatus.NoSuchFile);
    await c.status(Fxp.Rename, (w) => w.text('b').text('c'));
    expect(await get(c, 'c')).toBe('A');
  });

  it('removes files and directories; the root cannot be removed or renamed', async () => {
    const [c] = await connect();
    await c.status(Fxp.Mkdir, (w) => w.text('d').u32(0));
    await put(c, 'd/f', 'x');
    await expectStatus(
      c.status(Fxp.Rmdir, (w) => w.text('d')),
      SftpStatus.Failure,
    );
    await expectStatus(
      c.status(Fxp.Remove, (w) => w.text('d')),
      SftpStatus.Failure,
    );
    await c.status(Fxp.Remove, (w) => w.text('d/f'));
    await c.status(Fxp.Rmdir, (w) => w.text('d'));
    for (const p of ['/', '.', '..', '../..']) {
      await expectStatus(
        c.status(Fxp.Rmdir, (w) => w.text(p)),
        SftpStatus.PermissionDenied,
      );
      await expectStatus(
        c.status(Fxp.Remove, (w) => w.text(p)),
        SftpStatus.PermissionDenied,
      );
      await expectStatus(
        c.status(Fxp.Rename, (w) => w.text(p).text('z')),
        SftpStatus.PermissionDenied,
      );
    }
    await expectStatus(
      c.status(Fxp.Mkdir, (w) => w.text('/').u32(0)),
      SftpStatus.Failure,
    );
  });

  it('SYMLINK takes the target first from OpenSSH and clients that copy it (paramiko, libssh2)', async () => {
    for (const clientVersion of [
      'SSH-2.0-OpenSSH_9.2p1 Debian-2',
      'SSH-2.0-paramiko_2.12.0',
      'SSH-2.0-libssh2_1.10.0',
    ]) {
      const [c] = await connect(createMemoryVfs(), { clientVersion });
      await put(c, 'target', 'T');
      await c.status(Fxp.Symlink, (w) => w.text('target').text('link'));
      expect((await c.lstat('link')).permissions! & 0o170000).toBe(0o120000);
      expect((await c.names(Fxp.Readlink, (w) => w.text('link')))[0]!.name).toBe('target');
      expect(await get(c, 'link')).toBe('T');
    }
  });

  it('SYMLINK takes the link path first from spec-following clients (ssh2, AsyncSSH, libssh, WinSCP, phpseclib)', async () => {
    for (const clientVersion of [
      'SSH-2.0-ssh2js1.17.0',
      'SSH-2.0-AsyncSSH_2.10.1',
      'SSH-2.0-libssh_0.10.6',
      'SSH-2.0-WinSCP_release_6.3.5',
      'SSH-2.0-phpseclib_3.0 (openssl, sodium)',
      'SSH-2.0-phpseclib_2.0',
    ]) {
      const [c] = await connect(createMemoryVfs(), { clientVersion });
      await put(c, 'target', 'T');
      await c.status(Fxp.Symlink, (w) => w.text('link').text('target'));
      expect((await c.names(Fxp.Readlink, (w) => w.text('link')))[0]!.name).toBe('target');
    }
    // ...unless our banner says OpenSSH, which makes those clients switch to OpenSSH's order.
    const [c] = await connect(createMemoryVfs(), {
      clientVersion: 'SSH-2.0-ssh2js1.17.0',
      serverVersion: 'SSH-2.0-OpenSSH_9.9 sshd-kit',
    });
    await c.status(Fxp.Symlink, (w) => w.text('target').text('link'));
    expect((await c.names(Fxp.Readlink, (w) => w.text('link')))[0]!.name).toBe('target');
  });

  it('read-only accounts get PERMISSION_DENIED for every change and can still read', async () => {
    const mem = createMemoryVfs();
    const [w] = await connect(mem);
    await put(w, 'f', 'data');
    const c = await TestSftpClient.connect(readOnlyVfs(mem));
    clients.push(c);
    expect(await get(c, 'f')).toBe('data');
    const denied = SftpStatus.PermissionDenied;
    await expectStatus(c.open('g', CREATE), denied);
    await expectStatus(c.open('f', Pflag.Write), denied);
    await expectStatus(
      c.status(Fxp.Mkdir, (x) => x.text('d').u32(0)),
      denied,
    );
    await expectStatus(
      c.status(Fxp.Remove, (x) => x.text('f')),
      denied,
    );
    await expectStatus(
      c.status(Fxp.Rename, (x) => x.text('f').text('g')),
      denied,
    );
    await expectStatus(
      c.status(Fxp.Setstat, (x) => x.text('f').u32(4).u32(0o777)),
      denied,
    );
    await expectStatus(
      c.status(Fxp.Symlink, (x) => x.text('f').text('l')),
      denied,
    );
    expect(await get(c, 'f')).toBe('data');
  });

  it('reports each request other than READ/WRITE to onOperation', async () => {
    const events: SftpOperationEvent[] = [];
    const [c] = await connect(createMemoryVfs(), { onOperation: (e: SftpOperationEvent) => events.push(e) });
    await put(c, 'f', 'x');
    await expectStatus(c.stat('nope'), SftpStatus.NoSuchFile);
    expect(events.map((e) => [e.op, e.path, e.status])).toEqual([
      ['OPEN', '/f', 0],
      ['CLOSE', '/f', 0],
      ['STAT', '/nope', SftpStatus.NoSuchFile],
    ]);
  });

  // pkg/sftp (Go) until February 2023 sent each short WRITE with its whole 32 KiB buffer after the
  // declared data; OpenSSH's sftp-server ignores the excess, and so must we (found with rclone 1.60).
  it('a WRITE with bytes after its data writes the declared data; data past the frame is refused', async () => {
    const [c] = await connect();
    const h = await c.open('f', CREATE);
    const stale = Buffer.alloc(32768, 0x55);
    const write = (offset: number, declared: string, after: Buffer) =>
      c.status(Fxp.Write, (w) => w.bytes(h).u64(BigInt(offset)).bytes(Buffer.from(declared)).raw(after));
    await write(0, 'tail', stale);
    // Behind an FSTAT that holds the file's lock, the WRITE takes the queued way, not the fast lane.
    const [, queued] = await Promise.all([c.fstat(h), write(4, ' end', stale.subarray(0, 100))]);
    expect(queued).toBeUndefined();
    await expectStatus(
      c.status(Fxp.Write, (w) => w.bytes(h).u64(0n).u32(10).raw(Buffer.from('short'))),
      SftpStatus.BadMessage,
    );
    await c.close(h);
    expect(await get(c, 'f')).toBe('tail end');
  });

  it('ends cleanly when the client closes its side, discarding nothing it closed', async () => {
    const [c, mem] = await connect();
    await put(c, 'f', 'x');
    await c.end();
    expect(c.ended).toBe(true);
    expect(mem.tree.root.children.has('f')).toBe(true);
  });
});
