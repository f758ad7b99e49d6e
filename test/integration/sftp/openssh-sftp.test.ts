import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  makeSandbox,
  run,
  sameFile,
  SERVER_COMMAND,
  sftpBatch,
  treeDigest,
  writeRandomFile,
  type Sandbox,
} from './helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

const J = (...p: string[]): string => path.join(sb.root, ...p);
const L = (...p: string[]): string => path.join(sb.local, ...p);

describe('OpenSSH sftp against the engine (sftp -D, jailed local root)', () => {
  it('puts and gets a 64 MiB file byte-exact', async () => {
    writeRandomFile(L('big'), 64 * 1024 * 1024);
    const r = await sftpBatch(sb, ['put big big', 'get big big.back']);
    expect(r.code, r.stderr).toBe(0);
    expect(sameFile(L('big'), J('big'))).toBe(true);
    expect(sameFile(L('big'), L('big.back'))).toBe(true);
  }, 60_000);

  it('puts and gets 1,000 small files recursively, byte-exact', async () => {
    fs.mkdirSync(L('many/sub'), { recursive: true });
    for (let i = 0; i < 1000; i++) {
      fs.writeFileSync(L('many', i % 2 ? 'sub' : '', `f${i}.txt`), `file ${i} `.repeat(i % 37));
    }
    const r = await sftpBatch(sb, ['put -r many', 'get -r many back']);
    expect(r.code, r.stderr).toBe(0);
    const want = treeDigest(L('many'));
    expect(want.size).toBe(1001);
    expect(treeDigest(J('many'))).toEqual(want);
    expect(treeDigest(L('back'))).toEqual(want);
  }, 60_000);

  it('resumes uploads and downloads with reput and reget', async () => {
    writeRandomFile(L('data'), 5 * 1024 * 1024 + 123);
    const all = fs.readFileSync(L('data'));
    fs.writeFileSync(J('data'), all.subarray(0, 2 * 1024 * 1024));
    fs.writeFileSync(L('partial'), all.subarray(0, 1024 * 1024 + 7));
    fs.writeFileSync(J('whole'), all);
    const r = await sftpBatch(sb, ['reput data data', 'reget whole partial']);
    expect(r.code, r.stderr).toBe(0);
    expect(sameFile(L('data'), J('data'))).toBe(true);
    expect(sameFile(L('data'), L('partial'))).toBe(true);
  }, 30_000);

  it('ls -l, mkdir, rename, chmod, ln -s, df, rm, rmdir behave', async () => {
    fs.writeFileSync(L('a.txt'), 'hello');
    const r = await sftpBatch(sb, [
      'put a.txt',
      'mkdir d',
      'rename a.txt d/b.txt',
      'chmod 640 d/b.txt',
      'ln -s d/b.txt link',
      'ln d/b.txt hard',
      'cp d/b.txt copy.txt',
      'ls -l',
      'ls -l d',
      'df',
      'pwd',
      'rm hard',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^drwxr-xr-x .* d$/m);
    expect(r.stdout).toMatch(/^lrwxrwxrwx .* link$/m);
    expect(r.stdout).toMatch(/^-rw-r----- .* 5 .* d\/b\.txt$/m);
    expect(r.stdout).toMatch(/Remote working directory: \/$/m);
    expect(r.stdout).toMatch(/Size\s+Used\s+Avail/);
    expect(fs.readlinkSync(J('link'))).toBe('d/b.txt');
    expect(fs.statSync(J('d/b.txt')).mode & 0o777).toBe(0o640);
    expect(fs.existsSync(J('hard'))).toBe(false);
    expect(fs.readFileSync(J('copy.txt'), 'utf8')).toBe('hello');
    fs.rmSync(J('copy.txt'));
    const r2 = await sftpBatch(sb, ['rm link', 'rm d/b.txt', 'rmdir d', 'ls -la']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(fs.readdirSync(sb.root)).toEqual([]);
  }, 30_000);

  it('a read-only account can download but every change fails', async () => {
    fs.writeFileSync(J('f'), 'data');
    fs.writeFileSync(L('up'), 'x');
    const env = { SFTP_TEST_READONLY: '1' };
    expect((await sftpBatch(sb, ['get f got'], env)).code).toBe(0);
    expect(fs.readFileSync(L('got'), 'utf8')).toBe('data');
    for (const cmd of ['put up', 'mkdir d', 'rm f', 'rename f g', 'chmod 600 f', 'ln -s f l']) {
      expect((await sftpBatch(sb, [cmd], env)).code, cmd).not.toBe(0);
    }
    expect(fs.readdirSync(sb.root)).toEqual(['f']);
  }, 30_000);

  it('a client killed mid-upload leaves the old file intact and no temporary behind', async () => {
    fs.writeFileSync(J('target'), 'OLD CONTENT');
    writeRandomFile(L('new'), 256 * 1024 * 1024);
    const batch = path.join(sb.base, 'slow-batch');
    fs.writeFileSync(batch, 'put new target\n');
    const child = spawn('sftp', ['-D', SERVER_COMMAND, '-b', batch], {
      env: { ...process.env, SFTP_TEST_ROOT: sb.root },
      cwd: sb.local,
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    const temp = (): string | undefined =>
      fs.readdirSync(sb.root).find((n) => n.startsWith('.sshd-kit-upload.'));
    while (!(temp() && fs.statSync(J(temp()!)).size > 1024 * 1024) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(temp()).toBeDefined();
    child.kill('SIGKILL');
    while (temp() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fs.readdirSync(sb.root)).toEqual(['target']);
    expect(fs.readFileSync(J('target'), 'utf8')).toBe('OLD CONTENT');
  }, 30_000);

  it('refuses to leave the jail and never sends the canary', async () => {
    fs.symlinkSync(path.join(sb.outside, 'CANARY'), J('abs'));
    fs.symlinkSync('../outside', J('rel'));
    const before = treeDigest(sb.outside);
    const r = await sftpBatch(sb, [
      '-get ../outside/CANARY c1',
      '-get /../outside/CANARY c2',
      '-get abs c3',
      '-get rel/CANARY c4',
      '-get /etc/passwd c5',
      '-put /etc/hostname ../outside/new',
      '-put /etc/hostname rel/new',
      '-ls rel',
      '-cd rel',
      '-cd ..',
      'pwd',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(sb.local)).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(sb.canary);
    expect(r.stdout + r.stderr).not.toContain(sb.base);
    expect(treeDigest(sb.outside)).toEqual(before);
    expect((await run('cat', [path.join(sb.outside, 'CANARY')])).stdout).toBe(sb.canary);
  }, 30_000);
});
