import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { sha256File, writeRandomFile } from '../helpers/files.js';
import { HERMETIC_SSH_OPTIONS, run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Real OpenSSH sftp and scp over SSH against the sftp subsystem and in-process scp, each user
// jailed in their home (issue 6).

const GiB = 1024 * 1024 * 1024;

describe('OpenSSH sftp and scp over SSH', () => {
  let server: TestServer;
  let dir: string;
  let keyFile: string;
  let home: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-sftp-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id', key);
    server = await startTestServer({
      users: [
        { name: 'alice', keys: [key] },
        { name: 'hosting', keys: [key], permissions: { shell: false, exec: false, sftp: true } },
        { name: 'reader', keys: [key], sftp: { readOnly: true } },
      ],
    });
    home = join(server.dataDir, 'homes', 'alice');
    mkdirSync(home, { recursive: true, mode: 0o700 });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => [...HERMETIC_SSH_OPTIONS, '-o', 'BatchMode=yes', '-i', keyFile];
  const sftp = (user: string, commands: string) => {
    const batch = join(dir, `batch-${Math.random().toString(36).slice(2)}`);
    writeFileSync(batch, commands);
    return run('sftp', [...base(), '-P', String(server.port), '-b', batch, `${user}@127.0.0.1`], {
      timeoutMs: 300_000,
    });
  };
  const scp = (...args: string[]) =>
    run('scp', [...base(), '-P', String(server.port), ...args], { timeoutMs: 300_000 });

  it('puts and gets a 1 GiB file byte-exact', async () => {
    const src = join(dir, 'big');
    await writeRandomFile(src, GiB);
    const r = await sftp('alice', `put ${src} big\nget big ${src}.back\n`);
    expect(r.code, r.stderr).toBe(0);
    const digest = await sha256File(src);
    expect(await sha256File(join(home, 'big'))).toBe(digest);
    expect(await sha256File(`${src}.back`)).toBe(digest);
    rmSync(src);
    rmSync(`${src}.back`);
  }, 300_000);

  it('puts and gets 10,000 small files byte-exact', async () => {
    const tree = join(dir, 'many');
    mkdirSync(tree);
    for (let i = 0; i < 10_000; i++) writeFileSync(join(tree, `f${i}`), `file ${i}\n`.repeat(i % 7));
    const r = await sftp('alice', `put -r ${tree} many\nget -r many ${tree}.back\n`);
    expect(r.code, r.stderr).toBe(0);
    const names = readdirSync(join(home, 'many'));
    expect(names.length).toBe(10_000);
    for (const i of [0, 1, 4999, 9999]) {
      expect(readFileSync(join(tree + '.back', `f${i}`), 'utf8')).toBe(`file ${i}\n`.repeat(i % 7));
    }
    expect(readdirSync(`${tree}.back`).length).toBe(10_000);
  }, 300_000);

  it('resumes with reput and reget', async () => {
    const src = join(dir, 'resume');
    await writeRandomFile(src, 3 * 1024 * 1024);
    writeFileSync(join(home, 'resume'), readFileSync(src).subarray(0, 1024 * 1024));
    writeFileSync(`${src}.back`, readFileSync(src).subarray(0, 512 * 1024));
    const r = await sftp('alice', `reput ${src} resume\nreget resume ${src}.back\n`);
    expect(r.code, r.stderr).toBe(0);
    const digest = await sha256File(src);
    expect(await sha256File(join(home, 'resume'))).toBe(digest);
    expect(await sha256File(`${src}.back`)).toBe(digest);
  });

  it('runs mkdir, rename, chmod, ln -s, ls -l, df, rm and rmdir', async () => {
    writeFileSync(join(home, 'note'), 'hello');
    const r = await sftp(
      'alice',
      [
        'mkdir d',
        'rename note d/note2',
        'chmod 600 d/note2',
        'ln -s note2 d/link',
        'ls -l d',
        'df -h',
        'rm d/link',
        'rm d/note2',
        'rmdir d',
      ].join('\n') + '\n',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.toString();
    expect(out, out).toMatch(/-rw------- .* 5 .*d\/note2/);
    expect(out).toMatch(/lrwxrwxrwx .*d\/link/);
    expect(out).toMatch(/Size\s+Used\s+Avail/);
    expect(() => statSync(join(home, 'd'))).toThrow();
  });

  it('keeps a user inside their home', async () => {
    const r = await sftp(
      'alice',
      'get /etc/passwd passwd-copy\nget ../../../etc/passwd passwd-copy\ncd /\npwd\n',
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout.toString()).not.toMatch(/root:/);
    const pwd = await sftp('alice', 'cd /\ncd ..\npwd\n');
    expect(pwd.stdout.toString()).toMatch(/Remote working directory: \/\n/);
  });

  it('serves an sftp-only account and refuses writes to a read-only one', async () => {
    expect((await sftp('hosting', 'put /etc/hostname h\nls\n')).code).toBe(0);
    const ro = await sftp('reader', 'put /etc/hostname h\n');
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toMatch(/Permission denied/);
  });

  it('copies with scp in both its modes, recursively, keeping modes and times', async () => {
    const tree = join(dir, 'scp-tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'sub', 'x'), 'x'.repeat(100_000), { mode: 0o640 });
    for (const mode of ['-O', '-s']) {
      const target = `scp${mode}`;
      const up = await scp(mode, '-r', '-p', tree, `hosting@127.0.0.1:${target}`);
      expect(up.code, up.stderr).toBe(0);
      const uploaded = join(server.dataDir, 'homes', 'hosting', target, 'sub', 'x');
      expect(readFileSync(uploaded, 'utf8')).toBe('x'.repeat(100_000));
      expect(statSync(uploaded).mode & 0o777).toBe(0o640);
      const down = await scp(mode, '-r', '-p', `hosting@127.0.0.1:${target}`, join(dir, `back${mode}`));
      expect(down.code, down.stderr).toBe(0);
      expect(readFileSync(join(dir, `back${mode}`, 'sub', 'x'), 'utf8')).toBe('x'.repeat(100_000));
      // scp -p carries whole seconds.
      expect(Math.floor(statSync(join(dir, `back${mode}`, 'sub', 'x')).mtimeMs / 1000)).toBe(
        Math.floor(statSync(join(tree, 'sub', 'x')).mtimeMs / 1000),
      );
    }
  });

  it('never hands an scp command to a shell', async () => {
    const marker = join(dir, 'pwned');
    const r = await run('ssh', [
      ...base(),
      '-p',
      String(server.port),
      'hosting@127.0.0.1',
      `scp -t x; touch ${marker}`,
    ]);
    expect(r.code).not.toBe(0);
    expect(() => statSync(marker)).toThrow();
  });
});
