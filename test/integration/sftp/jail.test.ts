import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Fxp, Pflag, SftpStatus } from '../../../src/sftp/constants.js';
import { createLocalVfs } from '../../../src/sftp/vfs/local/local-fs.js';
import { TestSftpClient, type Reply } from '../../unit/sftp/helpers/sftp-client.js';
import { makeSandbox, treeDigest, type Sandbox } from './helpers.js';

let sb: Sandbox;
let c: TestSftpClient;
let sent: Buffer[];
let before: Map<string, string>;
const J = (...p: string[]): string => path.join(sb.root, ...p);

/** Every byte the server sent, so the canary can be looked for in all of it. */
function record(client: TestSftpClient): void {
  client.fromServer.on('data', (d: Buffer) => sent.push(Buffer.from(d)));
}

beforeEach(async () => {
  sb = makeSandbox();
  sent = [];
  fs.mkdirSync(J('sub'));
  fs.writeFileSync(J('sub/file'), 'inside');
  fs.mkdirSync(J('deep/x/y'), { recursive: true });
  const links: [string, string][] = [
    ['abs', path.join(sb.outside, 'CANARY')],
    ['absdir', sb.outside],
    ['rel', '../outside/CANARY'],
    ['reldir', '../outside'],
    ['chain1', 'chain2'],
    ['chain2', 'abs'],
    ['dangling', path.join(sb.outside, 'newfile')],
    ['danglingrel', '../outside/created'],
    ['loop1', 'loop2'],
    ['loop2', 'loop1'],
    ['deep/x/y/up', '../../../../outside'],
    ['prefix', `${sb.root}-evil/x`],
    ['inner', 'sub/file'],
    ['innerabs', path.join(sb.root, 'sub/file')],
    ['innerrel', './sub/../sub/file'],
  ];
  for (const [name, target] of links) fs.symlinkSync(target, J(name));
  before = treeDigest(sb.outside);
  c = await TestSftpClient.connect(createLocalVfs({ root: sb.root }), {
    clientVersion: 'SSH-2.0-OpenSSH_9.2',
  });
  record(c);
});

afterEach(async () => {
  await c.end();
  // Global invariants: nothing outside changed, the canary never left the server.
  expect(treeDigest(sb.outside)).toEqual(before);
  const all = Buffer.concat(sent);
  expect(all.includes(sb.canary)).toBe(false);
  expect(all.includes(Buffer.from(sb.base))).toBe(false);
  sb.cleanup();
});

function status(rep: Reply): number {
  return rep.type === Fxp.Status ? rep.r.u32() : -1;
}

const ESCAPES = [
  'abs',
  'absdir',
  'rel',
  'reldir',
  'chain1',
  'dangling',
  'danglingrel',
  'deep/x/y/up',
  'prefix',
];
const REFUSED = [SftpStatus.NoSuchFile, SftpStatus.PermissionDenied, SftpStatus.Failure];

describe('the local jail (catalogue D01-D08, D16-D20)', () => {
  it('refuses every operation through links that lead out, whatever lies outside', async () => {
    const pathOps: [string, (p: string) => Promise<Reply>][] = [
      ['open-read', (p) => c.request(Fxp.Open, (w) => w.text(p).u32(Pflag.Read).u32(0))],
      [
        'open-create',
        (p) =>
          c.request(Fxp.Open, (w) =>
            w
              .text(p)
              .u32(Pflag.Write | Pflag.Creat | Pflag.Trunc)
              .u32(0),
          ),
      ],
      [
        'open-append',
        (p) =>
          c.request(Fxp.Open, (w) =>
            w
              .text(p)
              .u32(Pflag.Write | Pflag.Append)
              .u32(0),
          ),
      ],
      ['opendir', (p) => c.request(Fxp.Opendir, (w) => w.text(p))],
      ['stat', (p) => c.request(Fxp.Stat, (w) => w.text(p))],
      ['setstat', (p) => c.request(Fxp.Setstat, (w) => w.text(p).u32(4).u32(0o777))],
      ['realpath', (p) => c.request(Fxp.Realpath, (w) => w.text(p))],
      ['statvfs', (p) => c.extended('statvfs@openssh.com', (w) => w.text(p))],
      [
        'check-file',
        (p) => c.extended('check-file-name', (w) => w.text(p).text('md5').u64(0n).u64(0n).u32(0)),
      ],
    ];
    const childOps: [string, (p: string) => Promise<Reply>][] = [
      ['open-read', (p) => c.request(Fxp.Open, (w) => w.text(`${p}/CANARY`).u32(Pflag.Read).u32(0))],
      [
        'open-create',
        (p) =>
          c.request(Fxp.Open, (w) =>
            w
              .text(`${p}/new`)
              .u32(Pflag.Write | Pflag.Creat)
              .u32(0),
          ),
      ],
      ['mkdir', (p) => c.request(Fxp.Mkdir, (w) => w.text(`${p}/newdir`).u32(0))],
      ['remove', (p) => c.request(Fxp.Remove, (w) => w.text(`${p}/CANARY`))],
      ['rmdir', (p) => c.request(Fxp.Rmdir, (w) => w.text(`${p}/dir`))],
      ['rename-from', (p) => c.request(Fxp.Rename, (w) => w.text(`${p}/CANARY`).text('/stolen'))],
      ['rename-to', (p) => c.request(Fxp.Rename, (w) => w.text('/sub/file').text(`${p}/planted`))],
      ['hardlink', (p) => c.extended('hardlink@openssh.com', (w) => w.text(`${p}/CANARY`).text('/hl'))],
      ['symlink-in', (p) => c.request(Fxp.Symlink, (w) => w.text('/sub/file').text(`${p}/l`))],
      ['setstat', (p) => c.request(Fxp.Setstat, (w) => w.text(`${p}/CANARY`).u32(4).u32(0o777))],
    ];
    for (const link of ESCAPES) {
      for (const [name, op] of pathOps) {
        const rep = await op(link);
        expect(REFUSED, `${name} ${link} -> ${rep.type}`).toContain(status(rep));
      }
      for (const [name, op] of childOps) {
        const rep = await op(link);
        expect(REFUSED, `${name} ${link}/…`).toContain(status(rep));
      }
      // LSTAT shows the link itself.
      expect((await c.lstat(link)).permissions! & 0o170000).toBe(0o120000);
    }
    // READLINK shows a link's text only when that text stays inside (chain1 -> chain2 does).
    for (const link of ESCAPES.filter((l) => l !== 'chain1')) {
      expect(status(await c.request(Fxp.Readlink, (w) => w.text(link))), link).toBe(
        SftpStatus.PermissionDenied,
      );
    }
    expect((await c.names(Fxp.Readlink, (w) => w.text('chain1')))[0]!.name).toBe('chain2');
    expect(fs.existsSync(J('stolen'))).toBe(false);
    expect(fs.existsSync(J('hl'))).toBe(false);
  });

  it('answers identically for existing and missing targets outside (D05)', async () => {
    const answer = async (p: string, type: number, pflags?: number): Promise<string> => {
      const rep = await c.request(type, (w) =>
        pflags === undefined ? w.text(p) : w.text(p).u32(pflags).u32(0),
      );
      return `${rep.type}:${rep.type === Fxp.Status ? `${rep.r.u32()} ${rep.r.text()}` : ''}`;
    };
    for (const type of [Fxp.Stat, Fxp.Realpath, Fxp.Opendir]) {
      expect(await answer('abs', type)).toBe(await answer('dangling', type));
      expect(await answer('absdir/CANARY', type)).toBe(await answer('absdir/nothing-here', type));
    }
    expect(await answer('abs', Fxp.Open, Pflag.Read)).toBe(await answer('dangling', Fxp.Open, Pflag.Read));
  });

  it('resolves .., absolute paths and ~ inside the root; REALPATH never shows a host path', async () => {
    for (const p of [
      '../../../../etc/passwd',
      '/../../etc/passwd',
      'a/../../..',
      '..\\..\\',
      '....//',
      '%2e%2e%2f',
      '~',
      '~root/',
      '/./.././',
      '',
    ]) {
      const rep = await c.request(Fxp.Realpath, (w) => w.text(p));
      if (rep.type === Fxp.Name) {
        rep.r.u32();
        const name = rep.r.text();
        expect(name.startsWith('/'), p).toBe(true);
        expect(name).not.toContain(sb.root);
      } else expect(REFUSED).toContain(status(rep));
    }
    expect(await c.realpath('..')).toBe('/');
    expect(await c.realpath('innerabs')).toBe('/sub/file');
    expect(await c.realpath('deep/x/y/../..')).toBe('/deep');
    expect(status(await c.request(Fxp.Open, (w) => w.text('/etc/passwd').u32(Pflag.Read).u32(0)))).toBe(
      SftpStatus.NoSuchFile,
    );
  });

  it('follows links that stay inside, absolute or relative', async () => {
    for (const l of ['inner', 'innerabs', 'innerrel']) {
      const h = await c.open(l, Pflag.Read);
      expect((await c.read(h, 0, 100))!.toString()).toBe('inside');
      await c.close(h);
    }
    expect((await c.names(Fxp.Readlink, (w) => w.text('innerabs')))[0]!.name).toBe('/sub/file');
    expect((await c.names(Fxp.Readlink, (w) => w.text('inner')))[0]!.name).toBe('sub/file');
    // Loops are ELOOP, answered NO_SUCH_FILE.
    expect(status(await c.request(Fxp.Stat, (w) => w.text('loop1')))).toBe(SftpStatus.NoSuchFile);
  });

  it('creates symlinks only to targets inside the jail, stored relative (D06)', async () => {
    await c.status(Fxp.Symlink, (w) => w.text('/etc/passwd').text('l1'));
    await c.status(Fxp.Symlink, (w) => w.text('../../outside/CANARY').text('deep/l2'));
    await c.status(Fxp.Symlink, (w) => w.text('/sub/file').text('deep/x/l3'));
    expect(fs.readlinkSync(J('l1'))).toBe('etc/passwd');
    expect(fs.readlinkSync(J('deep/l2'))).toBe('../outside/CANARY');
    expect(fs.readlinkSync(J('deep/x/l3'))).toBe('../../sub/file');
    expect(status(await c.request(Fxp.Open, (w) => w.text('l1').u32(Pflag.Read).u32(0)))).toBe(
      SftpStatus.NoSuchFile,
    );
    expect(status(await c.request(Fxp.Open, (w) => w.text('deep/l2').u32(Pflag.Read).u32(0)))).toBe(
      SftpStatus.NoSuchFile,
    );
    const h = await c.open('deep/x/l3', Pflag.Read);
    expect((await c.read(h, 0, 10))!.toString()).toBe('inside');
    await c.close(h);
    const never = await TestSftpClient.connect(createLocalVfs({ root: sb.root, allowSymlinks: 'never' }));
    record(never);
    const rep = await never.request(Fxp.Symlink, (w) => w.text('sub/file').text('l4'));
    expect(status(rep)).toBe(SftpStatus.PermissionDenied);
    await never.end();
  });

  it('refuses FIFOs, sockets and devices fast, without blocking other requests (D08)', async () => {
    for (const f of ['fifo1', 'fifo2', 'fifo3', 'fifo4']) expect((await run('mkfifo', [J(f)])).code).toBe(0);
    const server = net.createServer().listen(J('sock'));
    await new Promise((r) => server.once('listening', r));
    const hasDev = (await run('mknod', [J('dev'), 'c', '1', '3'])).code === 0;
    const started = Date.now();
    const opens = ['fifo1', 'fifo2', 'fifo3', 'fifo4', 'sock', ...(hasDev ? ['dev'] : [])].flatMap((p) => [
      c.request(Fxp.Open, (w) => w.text(p).u32(Pflag.Read).u32(0)),
      c.request(Fxp.Open, (w) => w.text(p).u32(Pflag.Write).u32(0)),
      c.request(Fxp.Open, (w) =>
        w
          .text(p)
          .u32(Pflag.Write | Pflag.Creat | Pflag.Trunc)
          .u32(0),
      ),
    ]);
    expect(await c.realpath('sub')).toBe('/sub');
    for (const rep of await Promise.all(opens)) expect(REFUSED).toContain(status(rep));
    expect(Date.now() - started).toBeLessThan(1000);
    server.close();
  });

  it('lists names with control characters escaped in longname and skips invalid UTF-8', async () => {
    fs.writeFileSync(J('sub', 'evil\n\x1b[2Jname'), 'x');
    fs.writeFileSync(Buffer.concat([Buffer.from(J('sub') + '/bad'), Buffer.from([0xff, 0xfe])]), 'x');
    const list = await c.readdir('sub');
    const evil = list.find((e) => e.name.startsWith('evil'))!;
    expect(evil.longname).toMatch(/evil\?\?\[2Jname$/);
    expect(list.map((e) => e.name).sort()).toEqual(['.', '..', 'evil\n\x1b[2Jname', 'file']);
  });

  it('an upload opened CREAT|TRUNC replaces the file only on CLOSE (E02)', async () => {
    fs.writeFileSync(J('target'), 'A'.repeat(1000));
    fs.chmodSync(J('target'), 0o600);
    const h = await c.open('target', Pflag.Write | Pflag.Creat | Pflag.Trunc);
    await c.write(h, 0, Buffer.from('B'.repeat(10)));
    expect(fs.readFileSync(J('target'), 'utf8')).toBe('A'.repeat(1000));
    expect((await c.readdir('/')).some((e) => e.name.includes('sshd-kit'))).toBe(false);
    await c.close(h);
    expect(fs.readFileSync(J('target'), 'utf8')).toBe('B'.repeat(10));
    expect(fs.statSync(J('target')).mode & 0o777).toBe(0o600);
    // Disconnect mid-upload: the old content stays and the temporary file is removed.
    const h2 = await c.open('target', Pflag.Write | Pflag.Creat | Pflag.Trunc);
    await c.write(h2, 0, Buffer.from('partial'));
    c.toServer.destroy();
    await c.done;
    expect(fs.readdirSync(sb.root).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(fs.readFileSync(J('target'), 'utf8')).toBe('B'.repeat(10));
    c = await TestSftpClient.connect(createLocalVfs({ root: sb.root }));
    record(c);
    // Opens without TRUNC (resume) write in place.
    const h3 = await c.open('target', Pflag.Write);
    await c.write(h3, 10, Buffer.from('C'));
    expect(fs.readFileSync(J('target'), 'utf8')).toBe('B'.repeat(10) + 'C');
    await c.close(h3);
  });

  it('the uploading session finds its upload under the name at once (STAT, SETSTAT); others see the old file', async () => {
    fs.writeFileSync(J('target'), 'A'.repeat(1000));
    const other = await TestSftpClient.connect(createLocalVfs({ root: sb.root }));
    record(other);
    try {
      // sshfs sends LSTAT right behind OPEN, before the handle comes back, and fails the create on ENOENT.
      const CREATE = Pflag.Write | Pflag.Creat | Pflag.Trunc;
      const [opened, stat] = await Promise.all([
        c.request(Fxp.Open, (w) => w.text('new').u32(CREATE).u32(0)),
        c.request(Fxp.Lstat, (w) => w.text('new')),
      ]);
      expect([opened.type, stat.type]).toEqual([Fxp.Handle, Fxp.Attrs]);
      const h = Buffer.from(opened.r.bytes());
      await c.write(h, 0, Buffer.from('0123456789'));
      expect((await c.stat('new')).size).toBe(10n);
      const t = await c.open('target', CREATE);
      expect((await c.stat('target', Fxp.Lstat)).size).toBe(0n);
      expect(status(await other.request(Fxp.Stat, (w) => w.text('new')))).toBe(SftpStatus.NoSuchFile);
      expect((await other.stat('target')).size).toBe(1000n);
      // Through a symlink: LSTAT is still the link, STAT the upload.
      const viaLink = await c.open('inner', CREATE);
      expect((await c.stat('inner', Fxp.Lstat)).permissions! & 0o170000).toBe(0o120000);
      expect((await c.stat('inner')).size).toBe(0n);
      // chmod and utime through a mount are SETSTATs by path: they reach the upload.
      await c.status(Fxp.Setstat, (w) =>
        w
          .text('new')
          .u32(0x4 | 0x8)
          .u32(0o600)
          .u32(1)
          .u32(1_600_000_000),
      );
      await Promise.all([c.close(h), c.close(t), c.close(viaLink)]);
      expect(fs.statSync(J('new')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(J('new')).mtimeMs).toBe(1_600_000_000_000);
      expect((await other.stat('new')).size).toBe(10n);
      expect((await c.stat('target')).size).toBe(0n);
      expect(fs.readFileSync(J('sub/file'), 'utf8')).toBe('');
    } finally {
      await other.end();
    }
  });

  it('an upload whose write failed (out of space) is discarded on CLOSE, never put in place (E02)', async () => {
    fs.writeFileSync(J('kept'), 'old');
    const h = await c.open('kept', Pflag.Write | Pflag.Creat | Pflag.Trunc);
    await c.write(h, 0, Buffer.from('new, part one'));
    // The next write fails as on a full disk, whether it is made on the event loop (tmpfs) or by
    // the thread pool; the client then closes the handle, as OpenSSH's sftp does.
    const full = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    vi.spyOn(fs, 'writevSync').mockImplementationOnce(() => {
      throw full();
    });
    vi.spyOn(fs, 'writev').mockImplementationOnce(((...args: unknown[]) =>
      (args[args.length - 1] as (e: Error) => void)(full())) as typeof fs.writev);
    await expect(c.write(h, 13, Buffer.from(', part two'))).rejects.toMatchObject({
      code: SftpStatus.Failure,
    });
    vi.restoreAllMocks();
    await expect(c.close(h)).rejects.toMatchObject({
      code: SftpStatus.Failure,
      message: expect.stringMatching(/upload was discarded/),
    });
    expect(fs.readFileSync(J('kept'), 'utf8')).toBe('old');
    expect(fs.readdirSync(sb.root).filter((n) => n.startsWith('.'))).toEqual([]);
    // The handle is gone, and the next upload of the name lands.
    await expect(c.close(h)).rejects.toMatchObject({ code: SftpStatus.Failure });
    const h2 = await c.open('kept', Pflag.Write | Pflag.Creat | Pflag.Trunc);
    await c.write(h2, 0, Buffer.from('whole'));
    await c.close(h2);
    expect(fs.readFileSync(J('kept'), 'utf8')).toBe('whole');
  });

  it('bounds open handles and returns descriptors to baseline when the session ends (D09)', async () => {
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    const base = fds();
    const s = await TestSftpClient.connect(createLocalVfs({ root: sb.root }), {
      limits: { maxOpenHandles: 100 },
    });
    record(s);
    const reps = await Promise.all([
      ...Array.from({ length: 400 }, () =>
        s.request(Fxp.Open, (w) => w.text('sub/file').u32(Pflag.Read).u32(0)),
      ),
      ...Array.from({ length: 300 }, (_, i) =>
        s.request(Fxp.Open, (w) =>
          w
            .text(`up${i}`)
            .u32(Pflag.Write | Pflag.Creat | Pflag.Trunc)
            .u32(0),
        ),
      ),
      ...Array.from({ length: 300 }, () => s.request(Fxp.Opendir, (w) => w.text('sub'))),
    ]);
    expect(reps.filter((r) => r.type === Fxp.Handle).length).toBe(100);
    expect(fds() - base).toBeLessThanOrEqual(2 * 100 + 10);
    await s.end();
    expect(fds()).toBeLessThanOrEqual(base + 2);
    // Uploads never closed were discarded: no file and no temporary is left.
    expect(fs.readdirSync(sb.root).filter((n) => n.startsWith('up') || n.startsWith('.'))).toEqual([]);
  });

  it('survives a race flipping a directory and a symlink to outside while it opens through it (D07)', async () => {
    fs.mkdirSync(J('race/realdir'), { recursive: true });
    fs.writeFileSync(J('race/realdir/CANARY'), 'decoy');
    const racer = spawn(process.execPath, [
      '-e',
      `const fs=require('fs');const [r,o,ms]=process.argv.slice(1);const end=Date.now()+Number(ms);
       while(Date.now()<end){try{fs.renameSync(r+'/realdir',r+'/d')}catch{}try{fs.renameSync(r+'/d',r+'/realdir')}catch{}
       try{fs.symlinkSync(o,r+'/d')}catch{}try{fs.unlinkSync(r+'/d')}catch{}}`,
      J('race'),
      sb.outside,
      '2500',
    ]);
    const exited = new Promise((r) => racer.on('exit', r));
    let reads = 0;
    let creates = 0;
    let refused = 0;
    const deadline = Date.now() + 2000;
    for (let round = 0; Date.now() < deadline; round++) {
      const batch = Array.from({ length: 32 }, async (_, i) => {
        const rd = await c.request(Fxp.Open, (w) => w.text('race/d/CANARY').u32(Pflag.Read).u32(0));
        if (rd.type === Fxp.Handle) {
          const h = Buffer.from(rd.r.bytes());
          const data = await c.read(h, 0, 100).catch(() => null);
          if (data) expect(data.toString()).toBe('decoy');
          reads++;
          await c.close(h);
        } else refused++;
        const cr = await c.request(Fxp.Open, (w) =>
          w
            .text(`race/d/new-${round}-${i}`)
            .u32(Pflag.Write | Pflag.Creat | Pflag.Trunc)
            .u32(0),
        );
        if (cr.type === Fxp.Handle) {
          creates++;
          await c.close(Buffer.from(cr.r.bytes())).catch(() => undefined);
        } else refused++;
      });
      await Promise.all(batch);
    }
    await exited;
    expect(reads + creates).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(fs.readdirSync(sb.outside).sort()).toEqual(['CANARY', 'dir']);
  }, 20_000);
});

function run(cmd: string, args: string[]): Promise<{ code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('close', (code) => resolve({ code }));
    p.on('error', () => resolve({ code: -1 }));
  });
}
