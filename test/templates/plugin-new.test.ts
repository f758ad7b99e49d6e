// `sshd-kit plugin new` for every kind, as a user runs it: generate into a temp folder, install
// offline (sshd-kit is linked from this checkout, the tools come from npm's cache), build and run
// the generated test as generated, then start `sshd-kit serve --plugin <folder>` ourselves and
// drive the plugin with the real client for its kind.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChannel } from '../../plugins/kv-channel/client.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { ensureBuilt, expectOneLineError, REPO_ROOT, runCli } from '../cli/helpers.js';
import { addUser, seedHostKeys, startServe, type ServeProcess } from '../cli/serve-helpers.js';
import { ssh, writeClientKey } from '../helpers/openssh.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';

const run = promisify(execFile);

/** A package-lock.json's packages, each entry's fields sorted, so that field order does not count. */
const lockedTree = (dir: string) => {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, object> };
  return Object.fromEntries(Object.entries(lock.packages).map(([path, entry]) => [path, Object.entries(entry).sort()]));
};
const npm = (cwd: string, ...args: string[]) =>
  run('npm', [...args, '--no-audit', '--no-fund'], { cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });

describe('sshd-kit plugin new', () => {
  const root = mkdtempSync(join(tmpdir(), 'sshd-kit-plugin-new-'));
  let key: PrivateKey;
  let keyFile: string;
  const servers: ServeProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(root, 'id_alice', key);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    rmSync(root, { recursive: true, force: true });
  });

  /** Generates, installs, builds and tests a plugin as generated; returns its folder. */
  async function generate(name: string, kind: string): Promise<string> {
    const dir = join(root, name);
    const made = await runCli(['plugin', 'new', name, '--kind', kind, '--out', dir, '--domain', 'test.example', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const result = JSON.parse(made.stdout) as { files: string[]; wireName: string };
    expect(result.files).toEqual(
      expect.arrayContaining(['.gitignore', '.npmrc', 'README.md', 'package-lock.json', 'package.json', 'src/index.ts', 'test/plugin.test.ts', 'test/server.ts', 'tsconfig.json']),
    );
    const generatedTree = lockedTree(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies['sshd-kit']).toBe(`file:${REPO_ROOT.replace(/\/$/, '')}`);
    // --offline: nothing may come from the registry (npm's cache holds the tarballs of our own
    // install, not the registry metadata it would need to resolve versions without the lockfile).
    await npm(dir, 'install', '--offline');
    // npm installed exactly the generated tree (it may reorder fields when it rewrites the file).
    expect(lockedTree(dir)).toEqual(generatedTree);
    await npm(dir, 'run', 'build');
    const tested = await npm(dir, 'test');
    expect(tested.stdout).toMatch(/# fail 0/);
    expect(tested.stdout).toMatch(/# pass [1-9]/);
    return dir;
  }

  /** Starts `sshd-kit serve --plugin <dir>` with alice (key login); resolves with its port. */
  async function serveWith(dir: string): Promise<{ port: number; serve: ServeProcess }> {
    const data = join(dir, '.data');
    seedHostKeys(data);
    await addUser(data, 'alice', { keys: [key] });
    const serve = startServe(data, ['--plugin', dir]);
    servers.push(serve);
    return { port: await serve.port(), serve };
  }

  const client = (port: number, args: string[], input?: string) =>
    ssh(port, ['-i', keyFile, '-l', 'alice', ...args], input === undefined ? {} : { input });

  // Each case runs npm install, a build and the generated test before serving: slow on a busy machine.
  const GENERATED = 180_000;

  it.concurrent('subsystem: served over ssh -s', async () => {
    const dir = await generate('hello-sub', 'subsystem');
    const { port, serve } = await serveWith(dir);
    expect(serve.lines().some((l) => l['plugin'] === 'hello-sub' && String(l.msg).includes('hello-sub@test.example'))).toBe(true);
    const r = await client(port, ['-s', '127.0.0.1', 'hello-sub@test.example'], 'abc\n');
    expect([r.stdout.toString(), r.code]).toEqual(['ABC\n', 0]);
  }, GENERATED);

  it.concurrent('channel: served to the ssh2 client', async () => {
    const dir = await generate('hello-chan', 'channel');
    expect(existsSync(join(dir, 'src/client.ts'))).toBe(true);
    const { port } = await serveWith(dir);
    const { client: c } = await connectSsh2(port, { username: 'alice', privateKey: readFileSync(keyFile) });
    try {
      const channel = await openChannel(c, 'hello-chan@test.example');
      let out = '';
      channel.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve) => {
        channel.on('close', () => resolve());
        channel.end('hi\n');
      });
      expect(out).toBe('pong: hi\n');
    } finally {
      await endSsh2(c);
    }
  }, GENERATED);

  it.concurrent('exec: served to ssh host command', async () => {
    const dir = await generate('hello-exec', 'exec');
    const { port } = await serveWith(dir);
    const r = await client(port, ['127.0.0.1', 'hello', 'there']);
    expect([r.stdout.toString(), r.code]).toEqual(['hello, there\n', 0]);
    expect((await client(port, ['127.0.0.1', 'rm', '-rf', '/'])).code).toBe(127);
  }, GENERATED);

  it.concurrent('shell: served to ssh -tt', async () => {
    const dir = await generate('hello-shell', 'shell');
    const { port } = await serveWith(dir);
    const r = await client(port, ['-tt', '127.0.0.1'], 'hello\rexit 4\r');
    expect(r.stdout.toString()).toContain('hello-shell> hello\r\nhello, alice\r\n');
    expect(r.code).toBe(4);
  }, GENERATED);

  it('refuses a folder that is not empty, and a bad name, with one line', async () => {
    const taken = join(root, 'taken');
    const first = await runCli(['plugin', 'new', 'taken', '--kind', 'exec', '--out', taken]);
    expect(first.code, first.stderr).toBe(0);
    expectOneLineError(
      await runCli(['plugin', 'new', 'taken', '--kind', 'exec', '--out', taken]),
      1,
      /already exists and is not empty: choose another --out/,
    );
    expectOneLineError(await runCli(['plugin', 'new', 'Bad Name', '--kind', 'exec', '--out', join(root, 'x')]), 2, /--name: use lowercase/);
  });

  it('asks for what it lacks only on a terminal, naming the flag otherwise', async () => {
    expectOneLineError(await runCli(['plugin', 'new', 'nokind']), 2, /pass --kind/);
    expectOneLineError(await runCli(['plugin', 'new', '--kind', 'shell']), 2, /pass --name/);
    const yes = await runCli(['plugin', 'new', 'defaults', '--yes', '--out', join(root, 'defaults'), '--json']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({ kind: 'subsystem', wireName: 'defaults@example.com' });
  });
});
