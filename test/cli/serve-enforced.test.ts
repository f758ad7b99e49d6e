// Each config key `serve` enforces, observed from the outside with the real OpenSSH client (and
// the ssh2 npm client where OpenSSH cannot show it): one serve process per config.
import { writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeOpenSshPrivateKey } from '../../src/keys/openssh-key-v1.js';
import type { PrivateKey } from '../../src/keys/types.js';
import {
  askpass,
  authenticatedWith,
  HERMETIC_SSH_OPTIONS,
  run,
  ssh,
  writeClientKey,
} from '../helpers/openssh.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { ensureBuilt, tempDirs } from './helpers.js';
import { addUser, seedHostKeys, startServe, type ServeProcess } from './serve-helpers.js';

const tmp = tempDirs('sshd-kit-serve-enforced-');
beforeAll(ensureBuilt, 180_000);

interface Fixture {
  base: string;
  dir: string;
  keyFile: string;
  key: PrivateKey;
  p: ServeProcess;
  port: number;
}

async function serveWith(config: string, args: string[] = []): Promise<Fixture> {
  const base = tmp();
  const dir = join(base, 'data');
  seedHostKeys(dir);
  writeFileSync(join(dir, 'config.yaml'), config);
  writeFileSync(join(dir, 'banner.txt'), 'Authorized use only (test banner)\n');
  const key = await generatePrivateKey('ed25519', { comment: 'client' });
  await addUser(dir, 'alice', { keys: [key], password: 'correct horse', portForwarding: true });
  const keyFile = await writeClientKey(base, 'id_alice', key);
  const p = startServe(dir, args);
  return { base, dir, keyFile, key, p, port: await p.port() };
}

/** A TCP server on 127.0.0.1 that answers every connection with `name` and closes it. */
async function tagServer(name: string): Promise<{ port: number; close(): void }> {
  const server = createServer((s) => s.end(`${name}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('serve enforces the config', () => {
  let f: Fixture;
  let allowed: Awaited<ReturnType<typeof tagServer>>;
  let other: Awaited<ReturnType<typeof tagServer>>;
  beforeAll(async () => {
    allowed = await tagServer('allowed');
    other = await tagServer('other');
    f = await serveWith(
      [
        `permitOpen: "127.0.0.1:${allowed.port}"`,
        'allowTcpForwarding: local',
        'banner: banner.txt',
        'maxAuthTries: 2',
        'loginGraceTime: 2',
        'maxSessions: 1',
        'acceptEnv: [LANG, "LC_*"]',
        'shell: /bin/bash',
        'homesDir: /tmp',
        'subsystems: { sftp: internal-sftp, echo@example.com: /bin/cat }',
        'rekeyLimit: 256K',
        'compression: yes',
        'ciphers: aes256-ctr,aes128-ctr',
        'macs: hmac-sha2-256-etm@openssh.com',
        'log: { level: debug }',
      ].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    allowed?.close();
    other?.close();
    await f?.p.kill();
  });

  it('permitOpen and allowTcpForwarding: only the permitted destination, and no remote forwards', async () => {
    const via = (port: number) =>
      ssh(f.port, ['-i', f.keyFile, '-W', `127.0.0.1:${port}`, 'alice@127.0.0.1']);
    expect((await via(allowed.port)).stdout.toString()).toBe('allowed\n');
    const refused = await via(other.port);
    expect(refused.stdout.toString()).toBe('');
    expect(refused.stderr).toMatch(/stdio forwarding failed|open failed|administratively prohibited/);
    const remote = await ssh(f.port, [
      '-i',
      f.keyFile,
      '-o',
      'ExitOnForwardFailure=yes',
      '-R',
      '0:127.0.0.1:1',
      'alice@127.0.0.1',
      'true',
    ]);
    expect(remote.code).toBe(255);
    expect(remote.stderr).toMatch(/remote port forwarding failed/i);
  });

  it('banner, compression, ciphers and MACs', async () => {
    const r = await ssh(f.port, ['-v', '-C', '-i', f.keyFile, 'alice@127.0.0.1', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Authorized use only (test banner)');
    expect(r.stderr).toMatch(
      /server->client cipher: aes(128|256)-ctr MAC: hmac-sha2-256-etm@openssh\.com compression: zlib@openssh\.com/,
    );
  });

  it('maxAuthTries: the connection ends after two wrong passwords', async () => {
    const ap = await askpass(f.base, 'wrong password');
    const r = await ssh(
      f.port,
      // askpass's options allow one prompt, and ssh keeps an option's first value: build our own.
      [
        '-o',
        'BatchMode=no',
        '-o',
        'NumberOfPasswordPrompts=5',
        '-o',
        'PreferredAuthentications=password',
        'alice@127.0.0.1',
        'true',
      ],
      { env: ap.env },
    );
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Too many authentication failures|Disconnected/i);
    const failures = f.p
      .lines()
      .filter((l) => l.msg === 'auth attempt' && l['result'] === 'failure' && l['method'] === 'password');
    expect(failures.length).toBeGreaterThanOrEqual(2);
  });

  it('loginGraceTime: a silent connection is closed after the grace time', async () => {
    const t0 = Date.now();
    await new Promise<void>((resolve) => {
      const s = connect(f.port, '127.0.0.1');
      s.on('data', () => undefined);
      s.on('close', () => resolve());
    });
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThan(1500);
    expect(ms).toBeLessThan(6000);
  });

  it('acceptEnv, shell and homesDir shape the session', async () => {
    const r = await ssh(f.port, [
      '-o',
      'SetEnv=LANG=C.UTF-8 LC_TIME=C FOO=refused',
      '-i',
      f.keyFile,
      'alice@127.0.0.1',
      'echo "$LANG|$LC_TIME|${FOO-unset}|$BASH_VERSION" ; pwd',
    ]);
    const [env, pwd] = r.stdout.toString().trim().split('\n');
    const [lang, lcTime, foo, bash] = env!.split('|');
    expect([lang, lcTime, foo]).toEqual(['C.UTF-8', 'C', 'unset']);
    expect(bash).not.toBe('');
    expect(pwd).toBe('/tmp/alice');
  });

  it('subsystems: a name served by a command', async () => {
    const r = await ssh(f.port, ['-i', f.keyFile, '-s', 'alice@127.0.0.1', 'echo@example.com'], {
      input: 'ping\n',
    });
    expect(r.stdout.toString()).toBe('ping\n');
  });

  it('maxSessions: a second session channel on the connection is refused', async () => {
    const { client } = await connectSsh2(f.port, { privateKey: encodeOpenSshPrivateKey(f.key) });
    try {
      const first = await new Promise<unknown>((resolve, reject) =>
        client.exec('sleep 2', (err, ch) => (err ? reject(err) : resolve(ch))),
      );
      expect(first).toBeDefined();
      const second = await new Promise<Error | undefined>((resolve) =>
        client.exec('true', (err) => resolve(err ?? undefined)),
      );
      expect(second?.message).toMatch(/open failure|administratively prohibited|Channel open/i);
    } finally {
      await endSsh2(client);
    }
  });

  it('rekeyLimit: the server re-keys during a transfer', async () => {
    const before = f.p.lines().filter((l) => l.msg === 'starting key re-exchange').length;
    const data = Buffer.alloc(8 * 1024 * 1024, 7);
    const r = await ssh(f.port, ['-i', f.keyFile, 'alice@127.0.0.1', 'cat >/dev/null; echo done'], {
      input: data,
    });
    expect(r.stdout.toString()).toBe('done\n');
    const after = f.p.lines().filter((l) => l.msg === 'starting key re-exchange').length;
    // Up to a window of data is in flight when a re-exchange starts, so fewer than 8 MiB / 256 KiB.
    expect(after - before).toBeGreaterThanOrEqual(3);
  });
});

describe('serve with authenticationMethods and the hardened profile', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await serveWith('authenticationMethods: publickey,password\nprofile: hardened\nsubsystems: {}\n');
  }, 60_000);
  afterAll(() => f?.p.kill());

  it('ssh-audit (Debian 2.5.0) finds no failure; its only warnings are algorithms newer than its database', async () => {
    const r = await run('ssh-audit', ['-n', '-p', String(f.port), '127.0.0.1']);
    const out = r.stdout.toString();
    expect(out).toMatch(/\(kex\) curve25519-sha256 /);
    expect(out).not.toMatch(/\[fail\]/);
    const warned = out.split('\n').filter((l) => l.includes('[warn]'));
    for (const l of warned) expect(l).toMatch(/\[warn\] (unknown algorithm|using experimental algorithm)$/);
  });

  it('subsystems without sftp: no SFTP', async () => {
    const ap = await askpass(f.base, 'correct horse');
    const r = await run(
      'sftp',
      [
        ...HERMETIC_SSH_OPTIONS,
        ...ap.options,
        '-P',
        String(f.port),
        '-i',
        f.keyFile,
        '-b',
        '-',
        'alice@127.0.0.1',
      ],
      { input: 'pwd\n', env: ap.env },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/subsystem request failed/);
  });

  it('needs a key and then the password', async () => {
    const ap = await askpass(f.base, 'correct horse');
    const keyOnly = await ssh(f.port, [
      '-v',
      '-o',
      'PreferredAuthentications=publickey',
      '-i',
      f.keyFile,
      'alice@127.0.0.1',
      'true',
    ]);
    expect(keyOnly.code).toBe(255);
    expect(keyOnly.stderr).toMatch(/Authenticated using "publickey" with partial success/);
    const both = await ssh(f.port, ['-v', ...ap.options, '-i', f.keyFile, 'alice@127.0.0.1', 'true'], {
      env: ap.env,
    });
    expect(authenticatedWith(both.stderr)).toBe('password');
    expect(both.code).toBe(0);
  });

  it('offers no NIST host key, cipher outside the profile, or weak RSA host key', async () => {
    const skipped = f.p.lines().find((l) => l.msg.startsWith('host key skipped'));
    expect(skipped?.['bits']).toBe(2048);
    const refused = async (option: string) => {
      const r = await ssh(f.port, ['-v', '-o', option, '-i', f.keyFile, 'alice@127.0.0.1', 'true']);
      expect(r.code).toBe(255);
      return r.stderr;
    };
    expect(await refused('HostKeyAlgorithms=ecdsa-sha2-nistp256')).toMatch(/no matching host key type/);
    expect(await refused('HostKeyAlgorithms=rsa-sha2-512')).toMatch(/no matching host key type/);
    expect(await refused('Ciphers=chacha20-poly1305@openssh.com')).toMatch(/no matching cipher/);
    expect(await refused('KexAlgorithms=ecdh-sha2-nistp256')).toMatch(/no matching key exchange method/);
    expect(await refused('MACs=hmac-sha2-256')).toMatch(/no matching MAC/);
  });
});
