import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import { startCertificateServer, writeUserCertificate } from '../helpers/certificates.js';
import { run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';

// libssh (Debian 12: 0.10.6), the C library behind KDE's sftp://, qemu's ssh://, Remmina and
// Ansible's libssh connection: an implementation of its own, driven by a small C program built
// here with the system's cc. With its defaults it sent a cipher list ending in a comma, which the
// server once refused as a malformed KEXINIT.

/** Compiles the C driver (test/interop/libssh/libssh_client.c) against libssh to `path`. */
async function buildDriver(path: string): Promise<void> {
  const source = join(import.meta.dirname, 'libssh', 'libssh_client.c');
  const cc = await run('cc', ['-O1', '-Wall', '-Werror', '-o', path, source, '-lssh']);
  expect(cc.code, cc.stderr).toBe(0);
}

describe('libssh (C)', () => {
  let dir: string;
  let client: string;
  let server: TestServer;
  let keyFile: string;
  const data = randomBytes(3 * 1024 * 1024 + 5);

  /** Runs the libssh client: `auth` is `password:PW` or `key:PATH`; `options` are `name=list`. */
  const libssh = (user: string, auth: string, steps: string[], options: string[] = []) =>
    run(
      client,
      [
        String(server.port),
        user,
        join(dir, 'known_hosts'),
        auth,
        ...options.flatMap((o) => ['-o', o]),
        ...steps,
      ],
      {
        timeoutMs: 60_000,
      },
    ).then((r) => ({ ...r, lines: r.stdout.toString().trim().split('\n') }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-libssh-'));
    client = join(dir, 'libssh_client');
    await buildDriver(client);
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id_ed25519', key);
    writeFileSync(join(dir, 'up.bin'), data);
    server = await startTestServer({
      users: [
        { name: 'dev', password: 'pw', keys: [key] },
        { name: 'web', password: 'pw', permissions: SFTP_ONLY_PERMISSIONS },
      ],
      server: { algorithms: { compression: 'none,zlib@openssh.com' } },
    });
    const lines = server.hostKeys.map(
      (k) => `[127.0.0.1]:${server.port} ${formatPublicKeyLine(k.publicKey, '')}`,
    );
    writeFileSync(join(dir, 'known_hosts'), `${lines.join('\n')}\n`);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const home = (user: string) => join(server.dataDir, 'homes', user);

  it('connects with its defaults (curve25519, chacha20-poly1305) and moves a file both ways on an sftp-only account', async () => {
    const r = await libssh('web', 'password:pw', [
      `put|${join(dir, 'up.bin')}|up.bin`,
      `get|up.bin|${join(dir, 'down.bin')}`,
      'mkdir|d',
      'rename|up.bin|d/f.bin',
      'ls|d',
      'stat|d/f.bin',
      'symlink|d/f.bin|ln',
      'readlink|ln',
      'chmod|600|d/f.bin',
      'stat|d/f.bin',
      'fails|rm|nope',
      'fails|rmdir|d',
      `append|${join(dir, 'up.bin')}|d/f.bin`,
      'realpath|d/../d',
      'statvfs|.',
      'exec|echo should-not-run',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines[0]).toBe(
      'connected curve25519-sha256 chacha20-poly1305@openssh.com aead-poly1305 chacha20-poly1305@openssh.com',
    );
    expect(readFileSync(join(dir, 'down.bin')).equals(data)).toBe(true);
    expect(r.lines).toContain('ls .,..,f.bin');
    expect(r.lines).toContain('readlink d/f.bin');
    expect(r.lines.filter((l) => l.startsWith('stat '))[1]).toMatch(new RegExp(`^stat ${data.length} 600 `));
    // No such file (2) for a missing file; failure (4) for a directory that is not empty.
    expect(r.lines.filter((l) => l.startsWith('failed'))).toEqual(['failed 2', 'failed 4']);
    expect(r.lines).toContain('realpath /d');
    expect(r.lines).toContain('statvfs ok');
    expect(r.lines.at(-1)).toBe('exec refused');
    expect(readFileSync(join(home('web'), 'd', 'f.bin')).equals(Buffer.concat([data, data]))).toBe(true);
  });

  it('logs in with an Ed25519 key and runs a command', async () => {
    const r = await libssh('dev', `key:${keyFile}`, ['exec|echo from-libssh; exit 5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines).toContain('exec 5 from-libssh');
  });

  it.each([
    ['ecdh-sha2-nistp256', ['kex=ecdh-sha2-nistp256']],
    ['ecdh-sha2-nistp521 and the ECDSA host key', ['kex=ecdh-sha2-nistp521', 'hostkeys=ecdsa-sha2-nistp256']],
    ['aes256-gcm and rsa-sha2-512', ['ciphers=aes256-gcm@openssh.com', 'hostkeys=rsa-sha2-512']],
    ['aes128-gcm and rsa-sha2-256', ['ciphers=aes128-gcm@openssh.com', 'hostkeys=rsa-sha2-256']],
    ['aes256-ctr and hmac-sha2-512-etm', ['ciphers=aes256-ctr', 'macs=hmac-sha2-512-etm@openssh.com']],
    ['aes128-ctr and hmac-sha2-256', ['ciphers=aes128-ctr', 'macs=hmac-sha2-256']],
    ['aes192-ctr and hmac-sha2-512', ['ciphers=aes192-ctr', 'macs=hmac-sha2-512']],
    ['zlib@openssh.com', ['compression=zlib@openssh.com']],
  ])('moves a file both ways byte-exact with %s', async (_name, options) => {
    const name = `m-${randomBytes(4).toString('hex')}.bin`;
    const back = join(dir, `${name}.back`);
    const md5 = createHash('md5').update(data).digest('hex');
    const r = await libssh(
      'dev',
      'password:pw',
      [`put|${join(dir, 'up.bin')}|${name}`, `get|${name}|${back}`, `exec|md5sum ${name}`],
      options,
    );
    expect(r.code, r.stderr).toBe(0);
    for (const o of options.filter((x) => x.startsWith('kex=') || x.startsWith('ciphers='))) {
      expect(r.lines[0]).toContain(o.split('=')[1]);
    }
    expect(readFileSync(back).equals(data)).toBe(true);
    expect(r.lines).toContain(`exec 0 ${md5}  ${name}`);
  });
});

// libssh 0.10 presents a user certificate (ssh_pki_import_cert_file, ssh_pki_copy_cert_to_privkey,
// then ssh_userauth_publickey: the driver's cert:PATH) but has no host certificate algorithm at all
// (a hostkeys list of only those fails to connect): it asks for plain host keys, which a server
// holding host certificates still serves, checked against its known_hosts.
describe('libssh (C) with OpenSSH certificates', () => {
  let dir: string;
  let client: string;
  let server: TestServer;

  /** Logs in as `user` with the key `id` and its certificate `id`-cert.pub, and runs `echo $USER`. */
  const login = (user: string, id: string) =>
    run(
      client,
      [String(server.port), user, join(dir, 'known_hosts'), `cert:${join(dir, id)}`, 'exec|echo $USER'],
      {
        timeoutMs: 60_000,
      },
    ).then((r) => ({ ...r, lines: r.stdout.toString().trim().split('\n') }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-libssh-certs-'));
    client = join(dir, 'libssh_client');
    await buildDriver(client);
    const [userCa, hostCa, ed25519, rsa] = await Promise.all([
      generatePrivateKey('ed25519'),
      generatePrivateKey('ed25519'),
      generatePrivateKey('ed25519'),
      generatePrivateKey('rsa', { bits: 2048 }),
    ]);
    const hostKeys = await testHostKeys();
    server = await startCertificateServer(userCa, hostCa, [{ name: 'dev' }, { name: 'web' }]);
    for (const [id, key, principal] of [
      ['ed25519-dev', ed25519, 'dev'],
      ['ed25519-web', ed25519, 'web'],
      ['rsa-dev', rsa, 'dev'],
    ] as const) {
      await writeClientKey(dir, id, key);
      writeUserCertificate(dir, id, userCa, key.publicKey, principal);
    }
    const lines = hostKeys.map((k) => `[127.0.0.1]:${server.port} ${formatPublicKeyLine(k.publicKey, '')}`);
    writeFileSync(join(dir, 'known_hosts'), `${lines.join('\n')}\n`);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with an Ed25519 and an RSA user certificate', async () => {
    for (const id of ['ed25519-dev', 'rsa-dev']) {
      const r = await login('dev', id);
      expect(r.code, r.stderr).toBe(0);
      expect(r.lines.at(-1)).toBe('exec 0 dev');
    }
  });

  it('a certificate that does not name the account is refused', async () => {
    const r = await login('dev', 'ed25519-web');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^authentication: Access denied for 'publickey'/);
    expect(r.stdout.toString()).toBe('');
    expect((await login('web', 'ed25519-web')).lines.at(-1)).toBe('exec 0 web');
  });
});
