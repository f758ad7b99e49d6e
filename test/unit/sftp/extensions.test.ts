import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fxp, Pflag, SftpStatus } from '../../../src/sftp/constants.js';
import { createLocalVfs } from '../../../src/sftp/vfs/local/local-fs.js';
import { createMemoryVfs } from '../../../src/sftp/vfs/memory-fs.js';
import { WireReader } from '../../../src/wire/reader.js';
import { expectStatus, TestSftpClient, type Reply } from './helpers/sftp-client.js';

const CREATE = Pflag.Write | Pflag.Creat | Pflag.Trunc;
let c: TestSftpClient;

afterEach(async () => {
  await c.end();
});

async function put(path: string, data: Buffer): Promise<void> {
  const h = await c.open(path, CREATE);
  for (let off = 0; off < data.length; off += 32768) await c.write(h, off, data.subarray(off, off + 32768));
  await c.close(h);
}

function ok(rep: Reply): void {
  TestSftpClient.check(rep, Fxp.Status);
}

function extReply(rep: Reply): WireReader {
  TestSftpClient.check(rep, Fxp.ExtendedReply);
  return rep.r;
}

describe('SFTP extensions', () => {
  it('limits@openssh.com advertises the session limits', async () => {
    c = await TestSftpClient.connect(createMemoryVfs(), { limits: { maxOpenHandles: 99 } });
    const r = extReply(await c.extended('limits@openssh.com'));
    expect([r.u64(), r.u64(), r.u64(), r.u64()]).toEqual([262144n, 261120n, 261120n, 99n]);
    r.end();
  });

  it('statvfs and fstatvfs report the file system', async () => {
    c = await TestSftpClient.connect(createMemoryVfs());
    const r = extReply(await c.extended('statvfs@openssh.com', (w) => w.text('/')));
    const v = Array.from({ length: 11 }, () => r.u64());
    expect(v[0]).toBe(4096n);
    expect(v[10]).toBe(255n);
    await put('f', Buffer.from('x'));
    const h = await c.open('f', Pflag.Read);
    extReply(await c.extended('fstatvfs@openssh.com', (w) => w.bytes(h)));
    ok(await c.extended('fsync@openssh.com', (w) => w.bytes(h)));
    await c.close(h);
  });

  it('hardlink@openssh.com and lsetstat@openssh.com', async () => {
    c = await TestSftpClient.connect(createMemoryVfs(), { clientVersion: 'SSH-2.0-OpenSSH_9.2' });
    await put('a', Buffer.from('AAA'));
    ok(await c.extended('hardlink@openssh.com', (w) => w.text('a').text('b')));
    expect((await c.stat('b')).size).toBe(3n);
    await c.status(Fxp.Symlink, (w) => w.text('a').text('l'));
    ok(await c.extended('lsetstat@openssh.com', (w) => w.text('l').u32(8).u32(111).u32(222)));
    expect((await c.lstat('l')).mtime).toBe(222);
    expect((await c.stat('l')).mtime).not.toBe(222);
  });

  it('expand-path and home-directory resolve ~ only for the session user', async () => {
    c = await TestSftpClient.connect(createMemoryVfs(), { username: 'alice' });
    await c.status(Fxp.Mkdir, (w) => w.text('d').u32(0));
    const expand = async (p: string): Promise<string> =>
      (await c.names(Fxp.Extended, (w) => w.text('expand-path@openssh.com').text(p)))[0]!.name;
    expect(await expand('~')).toBe('/');
    expect(await expand('~/d/../d')).toBe('/d');
    expect(await expand('~alice/d')).toBe('/d');
    await expectStatus(expand('~root'), SftpStatus.NoSuchFile);
    const home = (await c.names(Fxp.Extended, (w) => w.text('home-directory').text('alice')))[0]!.name;
    expect(home).toBe('/');
    await expectStatus(
      c.names(Fxp.Extended, (w) => w.text('home-directory').text('bob')),
      SftpStatus.NoSuchFile,
    );
  });

  it('users-groups-by-id@openssh.com answers names it knows, "" otherwise', async () => {
    c = await TestSftpClient.connect(createMemoryVfs(), {
      idName: (kind: 'user' | 'group', id: number) =>
        id === 1000 ? (kind === 'user' ? 'alice' : 'users') : undefined,
    });
    const ids = Buffer.alloc(8);
    ids.writeUInt32BE(1000, 0);
    ids.writeUInt32BE(0, 4);
    const r = extReply(
      await c.extended('users-groups-by-id@openssh.com', (w) => w.bytes(ids).bytes(ids.subarray(0, 4))),
    );
    const users = new WireReader(r.bytes());
    const groups = new WireReader(r.bytes());
    expect([users.text(), users.text(), groups.text()]).toEqual(['alice', '', 'users']);
    const list = await c.readdir('/');
    expect(list[0]!.longname).toContain(' alice    users ');
  });

  it('copy-data copies ranges and to end of file, refusing overlapping ranges of one file', async () => {
    c = await TestSftpClient.connect(createMemoryVfs());
    const src = Buffer.from(Array.from({ length: 700_000 }, (_, i) => i % 251));
    await put('src', src);
    const r = await c.open('src', Pflag.Read | Pflag.Write);
    const w = await c.open('dst', CREATE);
    ok(await c.extended('copy-data', (x) => x.bytes(r).u64(0n).u64(0n).bytes(w).u64(0n)));
    ok(await c.extended('copy-data', (x) => x.bytes(r).u64(10n).u64(5n).bytes(w).u64(700_000n)));
    await c.close(w);
    const rd = await c.open('dst', Pflag.Read);
    const got: Buffer[] = [];
    for (let off = 0; ;) {
      const d = await c.read(rd, off, 200_000);
      if (!d) break;
      got.push(d);
      off += d.length;
    }
    expect(Buffer.concat(got).equals(Buffer.concat([src, src.subarray(10, 15)]))).toBe(true);
    await expectStatus(
      c.extended('copy-data', (x) => x.bytes(r).u64(0n).u64(100n).bytes(r).u64(50n)).then(ok),
      SftpStatus.Failure,
    );
    await c.close(rd);
    await c.close(r);
  });

  it('check-file hashes a range as one block or per block', async () => {
    c = await TestSftpClient.connect(createMemoryVfs());
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
    await put('f', data);
    const h = await c.open('f', Pflag.Read);
    let r = extReply(
      await c.extended('check-file-handle', (w) => w.bytes(h).text('sha1,md5').u64(0n).u64(0n).u32(0)),
    );
    expect([r.text(), r.text()]).toEqual(['check-file', 'sha1']);
    expect(Buffer.from(r.rest()).toString('hex')).toBe(createHash('sha1').update(data).digest('hex'));
    r = extReply(
      await c.extended('check-file-name', (w) => w.text('/f').text('sha256').u64(100n).u64(1000n).u32(256)),
    );
    r.text();
    expect(r.text()).toBe('sha256');
    const want = [0, 1, 2, 3].map((i) =>
      createHash('sha256')
        .update(data.subarray(100 + i * 256, Math.min(1100, 100 + (i + 1) * 256)))
        .digest('hex'),
    );
    expect(Buffer.from(r.rest()).toString('hex')).toBe(want.join(''));
    r = extReply(await c.extended('check-file', (w) => w.bytes(h).text('md5').u64(4990n).u64(0n).u32(0)));
    r.text();
    r.text();
    expect(Buffer.from(r.rest()).toString('hex')).toBe(
      createHash('md5').update(data.subarray(4990)).digest('hex'),
    );
    await expectStatus(
      c.extended('check-file-handle', (w) => w.bytes(h).text('crc32').u64(0n).u64(0n).u32(0)).then(ok),
      SftpStatus.Failure,
    );
    await c.close(h);
  });

  it('check-file and copy-data over a huge sparse file let the server breathe, and stop when the client is gone', async () => {
    // 16 GiB of holes: hashing or copying all of it takes many seconds, and reads of holes (like
    // reads of cached data) never wait, so a loop that did not yield would freeze every connection.
    const root = mkdtempSync(join(tmpdir(), 'sshd-kit-sparse-'));
    try {
      writeFileSync(join(root, 'big'), '');
      truncateSync(join(root, 'big'), 16 * 1024 ** 3);
      for (const request of ['check-file', 'copy-data'] as const) {
        const gone = new AbortController();
        c = await TestSftpClient.connect(createLocalVfs({ root }), { signal: gone.signal });
        const big = await c.open('big', Pflag.Read);
        const out = await c.open('out', CREATE);
        void (request === 'check-file'
          ? c.extended('check-file-handle', (w) => w.bytes(big).text('sha256').u64(0n).u64(0n).u32(0))
          : c.extended('copy-data', (w) =>
              w
                .bytes(big)
                .u64(0n)
                .u64(512n * 1024n ** 2n)
                .bytes(out)
                .u64(0n),
            ));
        // A timer still fires on time while the request works...
        const waited = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(Date.now() - waited).toBeLessThan(1000);
        // ...and once the channel is gone (the session's signal aborts) the request stops.
        const started = Date.now();
        gone.abort();
        await c.done;
        expect(Date.now() - started).toBeLessThan(2000);
        // The upload it was copying into is discarded with the session, as on any disconnect.
        expect(readdirSync(root)).toEqual(['big']);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
