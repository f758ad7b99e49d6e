// The loader as `sshd-kit serve` runs it (the built CLI in a child process): the plugins it lists
// at start, one-line errors for plugins that cannot be used, optional plugins skipped, SIGHUP
// reloading plugins while an open session keeps running, and `sshd-kit plugin list`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { ensureBuilt, expectOneLineError, runCli } from '../cli/helpers.js';
import { addUser, seedHostKeys, startServe, type ServeProcess } from '../cli/serve-helpers.js';
import { ssh, writeClientKey } from '../helpers/openssh.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';

const root = mkdtempSync(join(tmpdir(), 'sshd-kit-plugin-loader-'));
let key: PrivateKey;
let keyFile: string;
const servers: ServeProcess[] = [];
const clients: Client[] = [];

/** A data directory with host keys and alice (key login). */
async function dataDir(name: string): Promise<string> {
  const dir = join(root, name);
  seedHostKeys(dir);
  await addUser(dir, 'alice', { keys: [key] });
  return dir;
}

/** Writes a plugin folder (an ES module package) and returns it. */
function pluginDir(name: string, files: Record<string, string>): string {
  const dir = join(root, 'plugins', name);
  mkdirSync(dir, { recursive: true });
  const main = Object.keys(files).find((f) => f.startsWith('index.'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', main }));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const subsystemPlugin = (name: string, sub: string, apiVersion = 1) => `
export default {
  name: '${name}',
  apiVersion: ${apiVersion},
  setup(ctx) { ctx.subsystems.add({ name: '${sub}', requires: 'none', async start() { return 0; } }); },
};
`;

const sshAlice = (port: number, args: string[], input?: string) =>
  ssh(port, ['-i', keyFile, '-l', 'alice', ...args], input === undefined ? {} : { input });

beforeAll(async () => {
  await ensureBuilt();
  key = await generatePrivateKey('ed25519');
  keyFile = await writeClientKey(root, 'id_alice', key);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => endSsh2(c)));
  await Promise.all(servers.map((s) => s.kill()));
  rmSync(root, { recursive: true, force: true });
});

describe('serve with plugins', () => {
  it('lists every plugin and what it registered, then serves them', async () => {
    const serve = startServe(await dataDir('list'), [
      '--plugin',
      'echo',
      '--plugin',
      './plugins/exec-router',
    ]);
    servers.push(serve);
    const port = await serve.port();
    const messages = serve.lines().map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'plugin session (built-in): channel types session',
        'plugin sftp (built-in): subsystems sftp; shell handlers scp',
        expect.stringMatching(
          /^plugin forwarding \(built-in\): channel types direct-tcpip, direct-streamlocal@openssh\.com; global requests tcpip-forward/,
        ),
        'plugin echo (echo): subsystems echo@sshd-kit',
        'plugin exec-router (./plugins/exec-router): shell handlers exec-router; events channel.open',
      ]),
    );
    const echo = serve.lines().find((l) => l['plugin'] === 'echo' && l['registered']);
    expect(echo?.['registered']).toEqual({ subsystems: ['echo@sshd-kit'] });
    expect((await sshAlice(port, ['-s', '127.0.0.1', 'echo@sshd-kit'], 'ping\n')).stdout.toString()).toBe(
      'ping\n',
    );
    expect((await sshAlice(port, ['127.0.0.1', 'whoami'])).stdout.toString()).toBe('alice\n');
  });

  it('stops with one line for a plugin it cannot use', async () => {
    const data = await dataDir('errors');
    pluginDir('future', { 'index.js': subsystemPlugin('future', 'f@t', 2) });
    pluginDir('dup-a', { 'index.js': subsystemPlugin('dup-a', 'same@t') });
    pluginDir('dup-b', { 'index.js': subsystemPlugin('dup-b', 'same@t') });
    const cases: [string[], RegExp][] = [
      [
        ['--plugin', './plugins/future'],
        /plugin \.\/plugins\/future: "future" was written for plugin API version 2, but this sshd-kit implements version 1/,
      ],
      [
        ['--plugin', './plugins/dup-a', '--plugin', './plugins/dup-b'],
        /plugin dup-b \(\.\/plugins\/dup-b\): setup failed: subsystem "same@t" from dup-b collides with the one registered by dup-a/,
      ],
      [
        ['--plugin', 'sshd-kit-plugin-nowhere'],
        /plugin sshd-kit-plugin-nowhere: not found .*npm install sshd-kit-plugin-nowhere/,
      ],
    ];
    await Promise.all(
      cases.map(async ([args, pattern]) => {
        const r = await runCli(
          ['serve', '--data-dir', data, '--port', '0', '--listen', '127.0.0.1', ...args],
          { cwd: root },
        );
        expectOneLineError(r, 1, pattern);
      }),
    );
  });

  it('skips an optional plugin from the config with a warning, and runs', async () => {
    const data = await dataDir('optional');
    writeFileSync(
      join(data, 'config.yaml'),
      'plugins:\n  - { path: ./missing-plugin, optional: true }\n  - { path: echo, options: { greeting: configured } }\n',
    );
    const serve = startServe(data);
    servers.push(serve);
    const port = await serve.port();
    const warning = serve.lines().find((l) => String(l.msg).startsWith('optional plugin skipped'));
    expect(warning?.msg).toMatch(
      // A relative path in the config file is taken relative to the file.
      /plugin \/.*\/optional\/missing-plugin: no such file or folder/,
    );
    const r = await sshAlice(port, ['-s', '127.0.0.1', 'echo@sshd-kit'], 'x\n');
    expect(r.stdout.toString()).toBe('configured\nx\n');
  });

  it('reloads plugins on SIGHUP while an open session keeps running on the old code', async () => {
    const dir = pluginDir('versioned', {
      'index.ts': `import { version } from './version.js';
export default {
  name: 'versioned',
  apiVersion: 1,
  setup(ctx: any) {
    ctx.subsystems.add({
      name: 'version@test',
      requires: 'none',
      async start(io: any) {
        io.stdout.write(version + '\\n');
        for await (const chunk of io.stdin) io.stdout.write(chunk);
        return 0;
      },
    });
  },
};
`,
      'version.ts': `export const version: string = 'v1';\n`,
    });
    const serve = startServe(await dataDir('reload'), ['--plugin', dir]);
    servers.push(serve);
    const port = await serve.port();

    const { client } = await connectSsh2(port, { username: 'alice', privateKey: readFileSync(keyFile) });
    clients.push(client);
    const old = await new Promise<ClientChannel>((resolve, reject) =>
      client.subsys('version@test', (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    let oldOut = '';
    old.on('data', (d: Buffer) => (oldOut += d.toString()));
    const oldExit = new Promise<number>((resolve) => old.on('exit', (code: number) => resolve(code)));
    await expect.poll(() => oldOut).toBe('v1\n');

    writeFileSync(join(dir, 'version.ts'), `export const version: string = 'v2';\n`);
    serve.signal('SIGHUP');
    await serve.waitFor((l) => l.msg === 'plugins reloaded');
    expect(serve.child.exitCode).toBeNull();

    const fresh = await sshAlice(port, ['-s', '127.0.0.1', 'version@test'], 'new\n');
    expect(fresh.stdout.toString()).toBe('v2\nnew\n');

    old.write('still here\n');
    await expect.poll(() => oldOut).toBe('v1\nstill here\n');
    old.end();
    expect(await oldExit).toBe(0);
  });

  it('keeps the loaded plugins when a reload cannot import the new code', async () => {
    const dir = pluginDir('fragile', { 'index.js': subsystemPlugin('fragile', 'fragile@t') });
    const serve = startServe(await dataDir('fragile'), ['--plugin', dir]);
    servers.push(serve);
    await serve.port();
    writeFileSync(join(dir, 'index.js'), 'export default {{{');
    serve.signal('SIGHUP');
    const line = await serve.waitFor((l) => String(l.msg).startsWith('plugins not reloaded'));
    expect(line.msg).toMatch(/the loaded ones stay: plugin .*fragile: cannot import/);
    expect(serve.child.exitCode).toBeNull();
  });
});

describe('sshd-kit plugin list', () => {
  it('shows what the config would load, with registrations, as a table and as JSON', async () => {
    const data = await dataDir('plugin-list');
    writeFileSync(join(data, 'config.yaml'), 'plugins:\n  - echo\n  - { path: ./gone, optional: true }\n');
    const table = await runCli(['plugin', 'list', '--data-dir', data, '--plugin', 'kv-channel']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SOURCE\s+STATUS\s+REGISTERS$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['session', 'built-in', 'loaded', 'channel types session'],
      ['sftp', 'built-in', 'loaded', 'subsystems sftp; shell handlers scp'],
      expect.arrayContaining(['forwarding', 'built-in', 'loaded']),
      ['echo', 'echo', 'loaded', 'subsystems echo@sshd-kit'],
      ['-', expect.stringMatching(/gone$/), 'skipped', expect.stringMatching(/no such file or folder/)],
      ['kv-channel', 'kv-channel', 'loaded', 'channel types kv@sshd-kit'],
    ]);
    const json = await runCli(['plugin', 'list', '--data-dir', data, '--json']);
    const listing = JSON.parse(json.stdout) as {
      name?: string;
      status: string;
      registrations?: { subsystems: string[] };
    }[];
    expect(listing.find((p) => p.name === 'echo')).toMatchObject({
      status: 'loaded',
      registrations: { subsystems: ['echo@sshd-kit'] },
    });
  });

  it('fails with one line when a plugin serve needs cannot load', async () => {
    const data = await dataDir('plugin-list-bad');
    expectOneLineError(
      await runCli(['plugin', 'list', '--data-dir', data, '--plugin', './nope.js'], { cwd: root }),
      1,
      /plugin \.\/nope\.js: no such file or folder/,
    );
  });
});
