import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { privateKeyFromKeyObject } from '../../src/keys/private-key.js';
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import { run } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';

// JSch, the Java SSH library behind Jenkins, Ant, Maven wagons and many IDEs (Debian 12:
// 0.1.54): a fifth independent implementation, and the oldest still common. It knows no
// curve25519, no Ed25519, no GCM or chacha20, and signs RSA only with SHA-1, so with the defaults
// it meets us on ecdh-sha2-nistp* with the ECDSA host key, aes-ctr and hmac-sha2-256; its ssh-rsa
// world is reachable only when the configuration opts into legacy algorithms.

const JSCH_JARS = ['/usr/share/java/jsch.jar', '/usr/share/java/jzlib.jar'];

describe('JSch (Java)', () => {
  let dir: string;
  let classes: string;
  let server: TestServer;
  let optInServer: TestServer;
  let ecdsaKey: string;
  let rsaKey: string;
  const data = randomBytes(2 * 1024 * 1024 + 13);

  /** Writes a PEM private key JSch reads (SEC1 or PKCS#1) and returns its path and its public key. */
  const pemKey = (name: string, type: 'ec' | 'rsa') => {
    const { privateKey } =
      type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const path = join(dir, name);
    writeFileSync(path, privateKey.export({ type: type === 'ec' ? 'sec1' : 'pkcs1', format: 'pem' }), {
      mode: 0o600,
    });
    return { path, key: privateKeyFromKeyObject(privateKey) };
  };

  /** A known_hosts file naming `server`'s host keys, so JSch checks the one it is shown. */
  const knownHosts = (s: TestServer) => {
    const path = join(dir, `known_hosts-${s.port}`);
    const lines = s.hostKeys.map((k) => `[127.0.0.1]:${s.port} ${formatPublicKeyLine(k.publicKey, '')}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  /** Runs the JSch client: `auth` is `password:PW` or `key:PATH`; `options` JSch config names. */
  const jsch = (s: TestServer, user: string, auth: string, steps: string[], options: string[] = []) =>
    run(
      'java',
      [
        '-cp',
        [classes, ...JSCH_JARS].join(':'),
        'JschClient',
        String(s.port),
        user,
        knownHosts(s),
        auth,
        ...options.flatMap((o) => ['-o', o]),
        ...steps,
      ],
      { timeoutMs: 90_000 },
    ).then((r) => ({ ...r, lines: r.stdout.toString().trim().split('\n') }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-jsch-'));
    classes = join(dir, 'classes');
    const javac = await run('javac', [
      '-d',
      classes,
      '-cp',
      JSCH_JARS.join(':'),
      join(import.meta.dirname, 'jsch', 'JschClient.java'),
    ]);
    expect(javac.code, javac.stderr).toBe(0);
    writeFileSync(join(dir, 'up.bin'), data);
    writeFileSync(join(dir, 'half.bin'), data.subarray(0, 1_000_000));
    const ecdsa = pemKey('id_ecdsa', 'ec');
    const rsa = pemKey('id_rsa', 'rsa');
    ecdsaKey = ecdsa.path;
    rsaKey = rsa.path;
    const users = [
      { name: 'dev', password: 'pw', keys: [ecdsa.key, rsa.key] },
      { name: 'web', password: 'pw', permissions: SFTP_ONLY_PERMISSIONS },
    ];
    server = await startTestServer({ users });
    optInServer = await startTestServer({
      users,
      server: {
        hostKeys: await testHostKeys(),
        algorithms: {
          kexAlgorithms: '+diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1',
          hostKeyAlgorithms: '+ssh-rsa',
          ciphers: '+aes128-cbc',
          macs: '+hmac-sha1',
          pubkeyAcceptedAlgorithms: '+ssh-rsa',
          compression: 'none,zlib@openssh.com,zlib',
        },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await optInServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const home = (s: TestServer, user: string) => join(s.dataDir, 'homes', user);

  it('SFTP with a password on an sftp-only account: put, get, list, stat, rename, links, chmod, mtime, resume, append', async () => {
    const r = await jsch(server, 'web', 'password:pw', [
      `put|${join(dir, 'up.bin')}|up.bin`,
      `get|up.bin|${join(dir, 'down.bin')}`,
      'mkdir|d',
      'rename|up.bin|d/f.bin',
      'ls|d',
      'stat|d/f.bin',
      'symlink|d/f.bin|ln',
      'readlink|ln',
      'lstat|ln',
      'chmod|600|d/f.bin',
      'mtime|1700000000|d/f.bin',
      'stat|d/f.bin',
      'fails|rm|nope',
      'fails|rmdir|d',
      `put|${join(dir, 'half.bin')}|resumed.bin`,
      `resume|${join(dir, 'up.bin')}|resumed.bin`,
      `put|${join(dir, 'half.bin')}|appended.bin`,
      `append|${join(dir, 'half.bin')}|appended.bin`,
      'cd|d',
      'pwd',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines[0]).toMatch(/^connected SSH-2\.0-sshd-kit/);
    expect(readFileSync(join(dir, 'down.bin')).equals(data)).toBe(true);
    expect(r.lines).toContain('ls .,..,f.bin');
    expect(r.lines.some((l) => l.startsWith(`stat ${data.length} 644 `))).toBe(true);
    expect(r.lines).toContain('readlink d/f.bin');
    expect(r.lines).toContain('lstat link');
    expect(r.lines).toContain(`stat ${data.length} 600 1700000000`);
    // No such file (2) for a missing file; failure (4) for a directory that is not empty.
    expect(r.lines.filter((l) => l.startsWith('failed'))).toEqual(['failed 2', 'failed 4']);
    expect(r.lines.slice(-2)).toEqual(['cd /d', 'pwd /d']);
    expect(readFileSync(join(home(server, 'web'), 'resumed.bin')).equals(data)).toBe(true);
    const appended = readFileSync(join(home(server, 'web'), 'appended.bin'));
    expect(appended.equals(Buffer.concat([data.subarray(0, 1_000_000), data.subarray(0, 1_000_000)]))).toBe(
      true,
    );
  });

  it('exec with an ECDSA key (PEM), and the exit status', async () => {
    const r = await jsch(server, 'dev', `key:${ecdsaKey}`, ['exec|echo from-java; exit 3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines).toContain('exec 3 from-java');
  });

  it('refuses the sftp-only account a command', async () => {
    const r = await jsch(server, 'web', 'password:pw', ['exec|echo should-not-run']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/failed to send channel request/);
    expect(r.stdout.toString()).not.toContain('should-not-run');
  });

  /** Uploads and downloads `data` as `dev` with the given JSch options; both copies must match. */
  const roundTrip = async (s: TestServer, options: string[]) => {
    const name = `m-${randomBytes(4).toString('hex')}.bin`;
    const back = join(dir, `${name}.back`);
    const r = await jsch(
      s,
      'dev',
      'password:pw',
      [`put|${join(dir, 'up.bin')}|${name}`, `get|${name}|${back}`],
      options,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(home(s, 'dev'), name)).equals(data)).toBe(true);
    expect(readFileSync(back).equals(data)).toBe(true);
  };

  it.each([
    ['ecdh-sha2-nistp256, aes128-ctr, hmac-sha2-256 (its defaults)', []],
    ['ecdh-sha2-nistp384', ['kex=ecdh-sha2-nistp384']],
    ['ecdh-sha2-nistp521', ['kex=ecdh-sha2-nistp521']],
    ['aes256-ctr', ['cipher.s2c=aes256-ctr', 'cipher.c2s=aes256-ctr']],
    ['aes192-ctr', ['cipher.s2c=aes192-ctr', 'cipher.c2s=aes192-ctr']],
  ])('moves a file both ways byte-exact with %s', async (_name, options) => {
    await roundTrip(server, options);
  });

  it.each(['zlib@openssh.com', 'zlib'])(
    'compresses with %s where the configuration turns it on',
    async (name) => {
      await roundTrip(optInServer, [`compression.s2c=${name}`, `compression.c2s=${name}`]);
    },
  );

  it('is refused SHA-1 and CBC by default (no algorithm in common), and an ssh-rsa key signature', async () => {
    for (const options of [
      ['kex=diffie-hellman-group14-sha1'],
      ['server_host_key=ssh-rsa'],
      ['cipher.s2c=aes128-cbc'],
    ]) {
      const r = await jsch(server, 'dev', 'password:pw', ['pwd'], options);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Algorithm negotiation fail/);
    }
    const rsa = await jsch(server, 'dev', `key:${rsaKey}`, ['exec|true']);
    expect(rsa.code).not.toBe(0);
    expect(rsa.stderr).toMatch(/Auth fail/);
  });

  it('speaks JSch’s legacy algorithms when the configuration opts into them', async () => {
    const options = [
      'kex=diffie-hellman-group14-sha1',
      'server_host_key=ssh-rsa',
      'cipher.s2c=aes128-cbc',
      'cipher.c2s=aes128-cbc',
      'mac.s2c=hmac-sha1',
      'mac.c2s=hmac-sha1',
    ];
    const r = await jsch(
      optInServer,
      'dev',
      `key:${rsaKey}`,
      [`put|${join(dir, 'up.bin')}|legacy.bin`, 'exec|md5sum legacy.bin'],
      options,
    );
    expect(r.code, r.stderr).toBe(0);
    const md5 = createHash('md5').update(data).digest('hex');
    expect(r.lines).toContain(`exec 0 ${md5}  legacy.bin`);
    const gex = await jsch(
      optInServer,
      'dev',
      'password:pw',
      ['pwd'],
      ['kex=diffie-hellman-group-exchange-sha1'],
    );
    expect(gex.code, gex.stderr).toBe(0);
  });
});
