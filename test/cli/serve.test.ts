// `sshd-kit serve` as an operator runs it: the built bin/run.js in a child process, JSON logs on
// stdout, the real OpenSSH client logging in, and signals for shutdown.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import type { PrivateKey } from '../../src/keys/types.js';
import {
  askpass,
  authenticatedWith,
  HERMETIC_SSH_OPTIONS,
  run,
  sftp,
  ssh,
  writeClientKey,
} from '../helpers/openssh.js';
import { ensureBuilt, tempDirs } from './helpers.js';
import { addUser, BIN, seedHostKeys, startServe, type ServeProcess } from './serve-helpers.js';

const tmp = tempDirs('sshd-kit-serve-');
beforeAll(ensureBuilt, 180_000);

const running: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});
function serve(...args: Parameters<typeof startServe>): ServeProcess {
  const p = startServe(...args);
  running.push(p);
  return p;
}

let clientKey: PrivateKey;
beforeAll(async () => {
  clientKey = await generatePrivateKey('ed25519', { comment: 'client' });
});

/** A data directory with host keys and alice (key + password), and alice's key file. */
async function preparedDir(): Promise<{ dir: string; keyFile: string }> {
  const base = tmp();
  const dir = join(base, 'data');
  seedHostKeys(dir);
  await addUser(dir, 'alice', { keys: [clientKey], password: 'correct horse' });
  return { dir, keyFile: await writeClientKey(base, 'id_alice', clientKey) };
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sshd-kit serve: start', () => {
  it('in an empty directory: generates host keys as ssh-keygen -A, logs fingerprints, the port, and how to add a user', async () => {
    const cwd = tmp();
    // No --data-dir: the default ./sshd-kit-data under the current directory (the README quick start).
    const p = serve(undefined, [], { cwd });
    const port = await p.port();
    const lines = p.lines();
    const dir = join(cwd, 'sshd-kit-data');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const generated = lines.filter((l) => l.msg === 'generated host key');
    expect(generated.map((l) => l['type'])).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    expect(generated.map((l) => l['bits'])).toEqual([256, 256, 3072]);
    for (const g of generated) {
      const path = g['path'] as string;
      expect(path.startsWith(`${dir}/ssh_host_`)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const line = execFileSync('ssh-keygen', ['-l', '-f', `${path}.pub`], { encoding: 'utf8' });
      expect(line.split(' ')[1]).toBe(g['fingerprint']);
    }
    // The key the server proves is the one whose fingerprint it logged.
    const scan = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(port), '127.0.0.1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const served = execFileSync('ssh-keygen', ['-l', '-f', '-'], { input: scan, encoding: 'utf8' });
    expect(served.split(' ')[1]).toBe(generated[0]!['fingerprint']);
    const noUser = lines.find((l) => l.msg.startsWith('no users yet'));
    expect(noUser?.['command']).toBe(`sshd-kit user add NAME --data-dir ${dir}`);
    expect(noUser?.level).toBe(40);

    p.signal('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    // A second start reuses the keys.
    const again = serve(dir);
    await again.port();
    const loaded = again.lines().filter((l) => l.msg === 'host key');
    expect(loaded.map((l) => l['fingerprint'])).toEqual(generated.map((l) => l['fingerprint']));
  });

  it('a real ssh login runs a command (publickey) and a password login works', async () => {
    const { dir, keyFile } = await preparedDir();
    const p = serve(dir);
    const port = await p.port();
    const r = await ssh(port, ['-i', keyFile, 'alice@127.0.0.1', 'echo hi; exit 3']);
    expect(r.stdout.toString()).toBe('hi\n');
    expect(r.code).toBe(3);
    const ap = await askpass(join(dir, '..'), 'correct horse');
    const pw = await ssh(
      port,
      ['-v', ...ap.options, '-o', 'PreferredAuthentications=password', 'alice@127.0.0.1', 'true'],
      {
        env: ap.env,
      },
    );
    expect(authenticatedWith(pw.stderr)).toBe('password');
    expect(pw.code).toBe(0);
    const auth = p.lines().filter((l) => l.msg === 'authenticated');
    expect(auth.map((l) => [l['user'], l['methods']])).toEqual([
      ['alice', ['publickey']],
      ['alice', ['password']],
    ]);
    expect(auth.every((l) => typeof l['conn'] === 'string')).toBe(true);
  });

  it('with SSHD_KIT_NATIVE_CRYPTO=0, node:crypto seals the packets of each AEAD cipher, and the log says so', async () => {
    const { dir, keyFile } = await preparedDir();
    const p = serve(dir, [], { env: { SSHD_KIT_NATIVE_CRYPTO: '0' } });
    const port = await p.port();
    const data = Buffer.alloc(300_000, 'sshd-kit ');
    for (const cipher of [
      'chacha20-poly1305@openssh.com',
      'aes128-gcm@openssh.com',
      'aes256-gcm@openssh.com',
    ]) {
      const r = await ssh(port, ['-i', keyFile, '-c', cipher, 'alice@127.0.0.1', 'wc -c'], { input: data });
      expect(r.stdout.toString().trim(), cipher).toBe(String(data.length));
    }
    expect(p.lines().some((l) => l.msg === 'packet ciphers: node:crypto (SSHD_KIT_NATIVE_CRYPTO=0)')).toBe(
      true,
    );
  });

  it('serves SFTP downloads byte-exact with cached reads on the event loop and, with SSHD_KIT_NATIVE_READ=0, all through the thread pool', async () => {
    const { dir, keyFile } = await preparedDir();
    const home = join(dir, 'homes', 'alice');
    mkdirSync(home, { recursive: true });
    const data = randomBytes(3 * 1024 * 1024 + 123);
    writeFileSync(join(home, 'big.bin'), data);
    for (const env of [{}, { SSHD_KIT_NATIVE_READ: '0' }] as Record<string, string>[]) {
      const p = serve(dir, [], { env });
      const port = await p.port();
      const out = join(tmp(), 'got.bin');
      const r = await sftp(port, ['-i', keyFile, '-b', '-', 'alice@127.0.0.1'], {
        input: `get big.bin ${out}\n`,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(out).equals(data)).toBe(true);
      const said = p
        .lines()
        .some(
          (l) =>
            l.msg === 'file reads, and writes on tmpfs: all through the thread pool (SSHD_KIT_NATIVE_READ=0)',
        );
      expect(said).toBe('SSHD_KIT_NATIVE_READ' in env);
      await p.kill();
    }
  });

  it('runs exec and pty commands through the native spawn and, with SSHD_KIT_NATIVE_SPAWN=0, through node:child_process and node-pty', async () => {
    const { dir, keyFile } = await preparedDir();
    const data = randomBytes(200_000);
    for (const env of [{}, { SSHD_KIT_NATIVE_SPAWN: '0' }] as Record<string, string>[]) {
      const p = serve(dir, [], { env });
      const port = await p.port();
      const login = ['-i', keyFile, 'alice@127.0.0.1'];
      const count = await ssh(port, [...login, 'wc -c; exit 7'], { input: data });
      expect(count.stdout.toString().trim()).toBe(String(data.length));
      expect(count.code).toBe(7);
      // `yes | head` ends only when yes gets SIGPIPE, which the server itself ignores.
      const piped = await ssh(port, [...login, 'yes | head -n 2; echo "$HOME"']);
      expect(piped.stdout.toString()).toBe(`y\ny\n${join(dir, 'homes', 'alice')}\n`);
      // On a pty: its own terminal, all of the output, and the exit status.
      const onPty = await ssh(port, ['-tt', ...login, 'tty; seq 1 20000 | tail -n 1; exit 5']);
      expect(onPty.stdout.toString()).toMatch(/^\/dev\/pts\/\d+\r\n20000\r\n$/);
      expect(onPty.code).toBe(5);
      const said = p
        .lines()
        .some((l) =>
          l.msg.startsWith('session processes: started with fork() by node:child_process and node-pty'),
        );
      expect(said).toBe('SSHD_KIT_NATIVE_SPAWN' in env);
      await p.kill();
    }
  });

  it('listens on every --listen address, and warns about each legacy algorithm the config enables', async () => {
    const { dir } = await preparedDir();
    writeFileSync(join(dir, 'config.yaml'), 'ciphers: +aes128-cbc\nmacs: +hmac-md5\n');
    const p = serve(dir, ['--listen', '127.0.0.2:0']);
    await p.port();
    await p.waitFor((l) => l.msg.startsWith('listening on 127.0.0.2:'));
    const ports = p
      .lines()
      .filter((l) => l.msg.startsWith('listening on'))
      .map((l) => l['address']);
    expect(ports).toEqual(['127.0.0.1', '127.0.0.2']);
    const legacy = p.lines().filter((l) => l.msg.startsWith('legacy algorithm enabled'));
    expect(legacy.map((l) => [l.level, l['algorithm']])).toEqual([
      [40, 'aes128-cbc'],
      [40, 'hmac-md5'],
    ]);
  });

  it('with proxyProtocolFrom, takes the client address from the PROXY header of a listed proxy only', async () => {
    const { dir, keyFile } = await preparedDir();
    writeFileSync(join(dir, 'config.yaml'), 'proxyProtocolFrom: 127.0.0.1\n');
    const p = serve(dir);
    const port = await p.port();
    const start = p.lines().find((l) => l.msg.startsWith('PROXY protocol'));
    expect(start?.msg).toBe('PROXY protocol: connections from 127.0.0.1 must start with a header');
    // A one-line proxy in front: the header, then the client's bytes both ways.
    const relay = [
      `const s = require('net').connect(${port}, '127.0.0.1', () => {`,
      `  s.write('PROXY TCP4 198.51.100.4 192.0.2.1 40404 22\\r\\n');`,
      '  process.stdin.pipe(s).pipe(process.stdout);',
      '});',
    ].join(' ');
    const proxied = await ssh(port, [
      '-o',
      `ProxyCommand=${process.execPath} -e "${relay}"`,
      '-i',
      keyFile,
      'alice@127.0.0.1',
      'echo "$SSH_CLIENT"',
    ]);
    expect(proxied.stdout.toString()).toBe('198.51.100.4 40404 22\n');
    // Straight from 127.0.0.1, with no header: dropped, and the log says why.
    const direct = await ssh(port, ['-i', keyFile, 'alice@127.0.0.1', 'true']);
    expect(direct.code).toBe(255);
    const dropped = await p.waitFor((l) => l.msg.startsWith('dropped:'));
    expect([dropped.level, dropped.msg, dropped['proxy']]).toEqual([
      40,
      'dropped: no PROXY protocol header (the stream starts "SSH-2.0-OpenSSH_")',
      '127.0.0.1',
    ]);
  });

  it('with metricsListen, serves Prometheus metrics and prints where; --print-config shows it', async () => {
    const { dir, keyFile } = await preparedDir();
    writeFileSync(join(dir, 'config.yaml'), 'metricsListen: 127.0.0.1:0\n');
    const p = serve(dir);
    const port = await p.port();
    const line = await p.waitFor((l) => l.msg.startsWith('metrics on '));
    expect(line.msg).toBe(`metrics on http://127.0.0.1:${String(line['port'])}/metrics`);
    expect((await ssh(port, ['-i', keyFile, 'alice@127.0.0.1', 'true'])).code).toBe(0);
    const text = await (await fetch(`http://127.0.0.1:${String(line['port'])}/metrics`)).text();
    expect(text).toMatch(/^sshd_kit_logins_total 1$/m);
    expect(text).toMatch(/^sshd_kit_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
    const printed = execFileSync(process.execPath, [BIN, 'serve', '--data-dir', dir, '--print-config'], {
      encoding: 'utf8',
    });
    expect(printed).toMatch(/^metricslisten 127\.0\.0\.1:0$/m);
    expect(p.lines().filter((l) => l.level >= 40)).toEqual([]);
    // On every interface, it says that anyone may read them.
    const open = await preparedDir();
    writeFileSync(join(open.dir, 'config.yaml'), 'metricsListen: 0.0.0.0:0\n');
    const q = serve(open.dir);
    const warning = await q.waitFor((l) => l.msg.startsWith('metrics are served without authentication'));
    expect(warning.level).toBe(40);
  });
});

describe('sshd-kit serve: shutdown', () => {
  it('SIGTERM during a session: new connections are refused, the session finishes, exit 0', async () => {
    const { dir, keyFile } = await preparedDir();
    const p = serve(dir);
    const port = await p.port();
    const session = ssh(port, ['-i', keyFile, 'alice@127.0.0.1', 'sleep 1; echo finished']);
    await p.waitFor((l) => l.msg === 'session started');
    p.signal('SIGTERM');
    await p.waitFor((l) => l.msg.startsWith('shutting down'));
    expect(await refused(port)).toBe(true);
    const r = await session;
    expect(r.stdout.toString()).toBe('finished\n');
    expect(r.code).toBe(0);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines().at(-1)?.msg).toBe('stopped');
  });

  it('sessions still running at --shutdown-timeout are disconnected; the exit is still clean', async () => {
    const { dir, keyFile } = await preparedDir();
    const p = serve(dir, ['--shutdown-timeout', '1']);
    const port = await p.port();
    const session = ssh(port, ['-i', keyFile, 'alice@127.0.0.1', 'sleep 30']);
    await p.waitFor((l) => l.msg === 'session started');
    const t0 = Date.now();
    p.signal('SIGTERM');
    const r = await session;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/server shutting down|closed by remote host|Connection closed/i);
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('a second signal exits at once', async () => {
    const { dir, keyFile } = await preparedDir();
    const p = serve(dir);
    const port = await p.port();
    const session = ssh(port, ['-i', keyFile, 'alice@127.0.0.1', 'sleep 30']);
    await p.waitFor((l) => l.msg === 'session started');
    p.signal('SIGTERM');
    await p.waitFor((l) => l.msg.startsWith('shutting down'));
    const t0 = Date.now();
    p.signal('SIGINT');
    expect(await p.exited).toEqual({ code: 130, signal: null });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(p.lines().some((l) => l.msg === 'second signal: exiting now')).toBe(true);
    await session;
  });
});

describe('sshd-kit serve --stdio', () => {
  it('serves one connection for ssh -o ProxyCommand; logs go to stderr, never stdout', async () => {
    const { dir, keyFile } = await preparedDir();
    const logFile = join(dir, '..', 'proxy.log');
    const proxy = `${process.execPath} ${BIN} serve --stdio --data-dir ${dir} --log-format json --log-level debug 2>${logFile}`;
    const r = await run('ssh', [
      ...HERMETIC_SSH_OPTIONS,
      '-o',
      'BatchMode=yes',
      '-o',
      `ProxyCommand=${proxy}`,
      '-i',
      keyFile,
      'alice@sshd-kit',
      'echo over stdio',
    ]);
    expect(r.stdout.toString()).toBe('over stdio\n');
    expect(r.code).toBe(0);
    // ssh ends the proxy with SIGHUP once it is done; the server stops cleanly.
    const messages = () =>
      readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
    for (let i = 0; i < 100 && !messages().includes('stopped'); i++) await sleep(50);
    expect(messages()).toEqual(
      expect.arrayContaining([
        'serving one connection on stdin/stdout',
        'authenticated',
        'session started',
        'stopped',
      ]),
    );
  });
});

describe('sshd-kit serve: client alive', () => {
  it('disconnects a client that stops answering keepalive@openssh.com (ClientAliveInterval / CountMax)', async () => {
    const { dir, keyFile } = await preparedDir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'clientAliveInterval: 1\nclientAliveCountMax: 1\n');
    const p = serve(dir, ['--log-level', 'debug']);
    const port = await p.port();
    const client = spawn(
      'ssh',
      [
        ...HERMETIC_SSH_OPTIONS,
        '-o',
        'BatchMode=yes',
        '-p',
        String(port),
        '-i',
        keyFile,
        '-N',
        'alice@127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const clientExit = new Promise<number | null>((r) => client.on('exit', (code) => r(code)));
    await p.waitFor((l) => l.msg === 'authenticated');
    // Answered probes keep the connection up.
    await p.waitFor((l) => l.msg === 'client alive probe');
    await sleep(2500);
    expect(p.lines().some((l) => l.msg === 'client not responding')).toBe(false);
    // A frozen client answers nothing: after the interval and one more unanswered probe, it is gone.
    client.kill('SIGSTOP');
    try {
      const gone = await p.waitFor((l) => l.msg === 'client not responding', 8000);
      expect(gone['unanswered']).toBe(1);
    } finally {
      client.kill('SIGCONT');
    }
    expect(await clientExit).toBe(255);
  });
});
