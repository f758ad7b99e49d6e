import { randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { HERMETIC_SSH_OPTIONS, run, ssh, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// What a developer on a shell account runs over ssh besides a shell: rsync and git, each its own
// protocol over an exec channel in both directions at once, ending with half-closes and an exit
// status the client checks.

describe('rsync and git over OpenSSH exec', () => {
  let server: TestServer;
  let dir: string;
  let home: string;
  let keyFile: string;
  let sshCommand: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-tools-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id', key);
    server = await startTestServer({ users: [{ name: 'dev', keys: [key] }] });
    home = join(server.dataDir, 'homes', 'dev');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    sshCommand = [
      'ssh',
      ...HERMETIC_SSH_OPTIONS,
      '-o',
      'BatchMode=yes',
      '-i',
      keyFile,
      '-p',
      String(server.port),
    ].join(' ');
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rsync = (...args: string[]) => run('rsync', ['-e', sshCommand, ...args], { timeoutMs: 120_000 });

  it('rsync pushes a tree, then only the change, deletes, and pulls it back', async () => {
    const src = join(dir, 'site');
    mkdirSync(join(src, 'css'), { recursive: true });
    const big = randomBytes(2 * 1024 * 1024);
    writeFileSync(join(src, 'big.bin'), big);
    writeFileSync(join(src, 'css', 'app.css'), 'body {}\n', { mode: 0o640 });
    writeFileSync(join(src, 'old.txt'), 'old');
    symlinkSync('big.bin', join(src, 'link'));
    utimesSync(join(src, 'big.bin'), 1_700_000_000, 1_700_000_000);
    const first = await rsync('-a', `${src}/`, 'dev@127.0.0.1:site/');
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(join(home, 'site', 'big.bin')).equals(big)).toBe(true);
    expect(statSync(join(home, 'site', 'css', 'app.css')).mode & 0o777).toBe(0o640);
    expect(statSync(join(home, 'site', 'big.bin')).mtimeMs).toBe(1_700_000_000_000);
    expect(readlinkSync(join(home, 'site', 'link'))).toBe('big.bin');

    // One changed block of a 2 MiB file: rsync's delta sends little more than that block.
    big.fill(7, 1_000_000, 1_000_100);
    writeFileSync(join(src, 'big.bin'), big);
    rmSync(join(src, 'old.txt'));
    const second = await rsync('-a', '--delete', '--stats', `${src}/`, 'dev@127.0.0.1:site/');
    expect(second.code, second.stderr).toBe(0);
    const literal = /Literal data: ([\d,]+) bytes/.exec(second.stdout.toString());
    expect(Number(literal?.[1]?.replaceAll(',', ''))).toBeLessThan(64 * 1024);
    expect(readFileSync(join(home, 'site', 'big.bin')).equals(big)).toBe(true);
    expect(() => lstatSync(join(home, 'site', 'old.txt'))).toThrow();

    const back = join(dir, 'back');
    const pull = await rsync('-a', 'dev@127.0.0.1:site/', `${back}/`);
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(join(back, 'big.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(back, 'css', 'app.css'), 'utf8')).toBe('body {}\n');
  });

  it('git pushes to a bare repository over ssh and clones it back', async () => {
    const made = await ssh(
      server.port,
      ['-i', keyFile, 'dev@127.0.0.1', 'git init --quiet --bare repo.git'],
      {
        timeoutMs: 30_000,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    // No user or system git configuration: the test's own identity and settings only.
    const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_SSH_COMMAND: sshCommand };
    const git = (cwd: string, ...args: string[]) =>
      run('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], {
        env,
        timeoutMs: 60_000,
      });
    const work = join(dir, 'work');
    mkdirSync(work);
    const payload = randomBytes(1024 * 1024);
    writeFileSync(join(work, 'data.bin'), payload);
    writeFileSync(join(work, 'README'), 'hello\n');
    expect((await git(work, 'init', '--quiet', '--initial-branch=main')).code).toBe(0);
    expect((await git(work, 'add', '.')).code).toBe(0);
    expect((await git(work, 'commit', '--quiet', '-m', 'first')).code).toBe(0);
    const url = `ssh://dev@127.0.0.1:${server.port}/~/repo.git`;
    const push = await git(work, 'push', '--quiet', url, 'main');
    expect(push.code, push.stderr).toBe(0);
    const clone = await git(dir, 'clone', '--quiet', '--branch', 'main', url, 'cloned');
    expect(clone.code, clone.stderr).toBe(0);
    expect(readFileSync(join(dir, 'cloned', 'data.bin')).equals(payload)).toBe(true);
    const log = await git(join(dir, 'cloned'), 'log', '--format=%s');
    expect(log.stdout.toString()).toBe('first\n');
  });
});
