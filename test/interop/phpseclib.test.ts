import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import { run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// phpseclib, the pure-PHP SSH library behind Laravel's (Flysystem's) SFTP and most PHP apps that
// move files over SSH: the clients of the hosting customers this project grew from. Both majors
// in use (Debian 12: 3.0.19 and 2.0.42), through a small PHP driver. Each sends SYMLINK with the
// link path first to a server that does not call itself OpenSSH, which once made their links
// fail or point the wrong way.

describe('phpseclib (PHP)', () => {
  let dir: string;
  let server: TestServer;
  let keyFile: string;
  const data = randomBytes(1024 * 1024 + 3);

  /** Runs the driver with phpseclib `major`: `auth` is `password:PW` or `key:PATH`; `options` `kind=list`. */
  const php = (major: 2 | 3, user: string, auth: string, steps: string[], options: string[] = []) =>
    run(
      'php',
      [
        join(import.meta.dirname, 'phpseclib', 'client.php'),
        String(major),
        String(server.port),
        user,
        join(dir, 'host_keys'),
        auth,
        ...options.flatMap((o) => ['-o', o]),
        ...steps,
      ],
      { timeoutMs: 60_000 },
    ).then((r) => ({ ...r, lines: r.stdout.toString().trim().split('\n') }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-phpseclib-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id_ed25519', key);
    writeFileSync(join(dir, 'up.bin'), data);
    server = await startTestServer({
      users: [
        { name: 'dev', password: 'pw', keys: [key] },
        { name: 'web', password: 'pw', permissions: SFTP_ONLY_PERMISSIONS },
      ],
    });
    const lines = server.hostKeys.map((k) => formatPublicKeyLine(k.publicKey, ''));
    writeFileSync(join(dir, 'host_keys'), `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const home = (user: string) => join(server.dataDir, 'homes', user);

  it.each([3, 2] as const)(
    'phpseclib %i: SFTP on an sftp-only account: put, get, list, stat, rename, links, chmod, touch, resume; no commands',
    async (major) => {
      const d = `d${major}`;
      const r = await php(major, 'web', 'password:pw', [
        `put|${join(dir, 'up.bin')}|up${major}.bin`,
        `get|up${major}.bin|${join(dir, `down${major}.bin`)}`,
        `mkdir|${d}`,
        `rename|up${major}.bin|${d}/f.bin`,
        `ls|${d}`,
        `symlink|${d}/f.bin|ln${major}`,
        `readlink|ln${major}`,
        `islink|ln${major}`,
        `chmod|600|${d}/f.bin`,
        `touch|1700000000|${d}/f.bin`,
        `stat|${d}/f.bin`,
        'rm|nope',
        `rmdir|${d}`,
        `putstring|hello|${d}/s.txt`,
        `resume|${join(dir, 'up.bin')}|${d}/s.txt`,
        'pwd',
        'exec|echo should-not-run',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(dir, `down${major}.bin`)).equals(data)).toBe(true);
      expect(r.lines.slice(1)).toEqual([
        `put up${major}.bin`,
        `got up${major}.bin`,
        `mkdir ${d}`,
        `renamed ${d}/f.bin`,
        'ls .,..,f.bin',
        `symlink ln${major}`,
        `readlink ${d}/f.bin`,
        'islink yes',
        `chmod ${d}/f.bin`,
        `touch ${d}/f.bin`,
        `stat ${data.length} 600 1700000000`,
        'rm refused',
        'rmdir refused',
        `put ${d}/s.txt`,
        `resumed ${d}/s.txt`,
        'pwd /',
        'exec refused',
      ]);
      // phpseclib's RESUME writes the whole local file from the remote file's end.
      const resumed = readFileSync(join(home('web'), d, 's.txt'));
      expect(resumed.equals(Buffer.concat([Buffer.from('hello'), data]))).toBe(true);
    },
  );

  it('phpseclib 3 logs in with an Ed25519 key and runs a command', async () => {
    const r = await php(3, 'dev', `key:${keyFile}`, ['exec|echo from-php; exit 4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines).toContain('exec 4 from-php');
  });

  it.each([
    [
      3,
      'its defaults (curve25519, Ed25519, aes256-gcm)',
      [],
      'curve25519-sha256 ssh-ed25519 aes256-gcm@openssh.com',
    ],
    [3, 'ecdh-sha2-nistp256', ['kex=ecdh-sha2-nistp256'], 'ecdh-sha2-nistp256 '],
    [3, 'ecdh-sha2-nistp521', ['kex=ecdh-sha2-nistp521'], 'ecdh-sha2-nistp521 '],
    [3, 'the ECDSA host key', ['hostkey=ecdsa-sha2-nistp256'], ' ecdsa-sha2-nistp256 '],
    [3, 'rsa-sha2-512', ['hostkey=rsa-sha2-512'], ' rsa-sha2-512 '],
    [3, 'aes128-gcm', ['crypt=aes128-gcm@openssh.com'], ' aes128-gcm@openssh.com'],
    [
      3,
      'aes256-ctr and hmac-sha2-512-etm',
      ['crypt=aes256-ctr', 'mac=hmac-sha2-512-etm@openssh.com'],
      ' aes256-ctr',
    ],
    [3, 'aes128-ctr and hmac-sha2-256', ['crypt=aes128-ctr', 'mac=hmac-sha2-256'], ' aes128-ctr'],
    [
      2,
      'its defaults (curve25519@libssh.org, rsa-sha2-256, aes128-ctr)',
      [],
      'curve25519-sha256@libssh.org rsa-sha2-256 aes128-ctr',
    ],
    [2, 'aes256-ctr', ['crypt=aes256-ctr'], ' aes256-ctr'],
  ] as const)(
    'phpseclib %i moves a file both ways byte-exact with %s',
    async (major, _name, options, negotiated) => {
      const name = `m-${randomBytes(4).toString('hex')}.bin`;
      const back = join(dir, `${name}.back`);
      const md5 = createHash('md5').update(data).digest('hex');
      const r = await php(
        major,
        'dev',
        'password:pw',
        [`put|${join(dir, 'up.bin')}|${name}`, `get|${name}|${back}`, `exec|md5sum ${name}`],
        [...options],
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.lines[0]).toContain(negotiated);
      expect(readFileSync(back).equals(data)).toBe(true);
      expect(r.lines).toContain(`exec 0 ${md5}  ${name}`);
    },
  );
});
