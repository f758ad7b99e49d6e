import { randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import { run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';

// curl's sftp:// and scp:// (Debian 12: libssh2 1.10), the library behind PHP's ssh2 extension
// too: a fourth independent client, and the only one here that negotiates aes-ctr with the
// classic (MAC-then-encrypt) hmac-sha2-256 by default. Its scp uploads end the stream after the
// data with no status byte, which the in-process scp once took for a failed upload.

describe('curl sftp:// and scp:// (libssh2)', () => {
  let server: TestServer;
  let dir: string;
  let home: string;
  let keyFile: string;
  const data = randomBytes(3 * 1024 * 1024 + 7);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-curl-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id', key);
    writeFileSync(`${keyFile}.pub`, `${formatPublicKeyLine(key.publicKey, 'test')}\n`);
    writeFileSync(join(dir, 'up.bin'), data);
    writeFileSync(join(dir, 'part.bin'), data.subarray(0, 1_000_000));
    // One host key algorithm, so the fingerprint curl is given is the key it is shown.
    server = await startTestServer({
      users: [{ name: 'web', keys: [key], password: 'pw', permissions: SFTP_ONLY_PERMISSIONS }],
      server: { hostKeys: await testHostKeys(), algorithms: { hostKeyAlgorithms: 'ssh-ed25519' } },
    });
    home = join(server.dataDir, 'homes', 'web');
    mkdirSync(home, { recursive: true, mode: 0o700 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** curl with the host key pinned; `url` is `scheme:/path`, the host and port are added. */
  const curlWith = (credentials: string[], url: string, args: string[]) => {
    const hostKey = server.hostKeys.find((k) => k.type === 'ssh-ed25519')!.publicKey;
    const [scheme, path] = url.split(':');
    return run(
      'curl',
      [
        ...[
          '--silent',
          '--show-error',
          '--hostpubsha256',
          `${fingerprintSha256(hostKey).slice('SHA256:'.length)}=`,
        ],
        ...credentials,
        ...args,
        `${scheme}://127.0.0.1:${server.port}${path}`,
      ],
      { timeoutMs: 60_000 },
    );
  };
  const curl = (url: string, ...args: string[]) =>
    curlWith(['--key', keyFile, '--pubkey', `${keyFile}.pub`, '--user', 'web:'], url, args);

  it('sftp: uploads into new directories, downloads whole and in ranges, resumes and appends', async () => {
    const up = await curl('sftp:/~/deep/er/f.bin', '--ftp-create-dirs', '--upload-file', join(dir, 'up.bin'));
    expect(up.code, up.stderr).toBe(0);
    expect(readFileSync(join(home, 'deep', 'er', 'f.bin')).equals(data)).toBe(true);
    const down = await curl('sftp:/~/deep/er/f.bin');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout.equals(data)).toBe(true);
    const range = await curl('sftp:/~/deep/er/f.bin', '--range', '100000-100099');
    expect(range.stdout.equals(data.subarray(100_000, 100_100))).toBe(true);
    expect((await curl('sftp:/~/resumed.bin', '--upload-file', join(dir, 'part.bin'))).code).toBe(0);
    const resume = await curl(
      'sftp:/~/resumed.bin',
      '--continue-at',
      '-',
      '--upload-file',
      join(dir, 'up.bin'),
    );
    expect(resume.code, resume.stderr).toBe(0);
    expect(readFileSync(join(home, 'resumed.bin')).equals(data)).toBe(true);
    writeFileSync(join(dir, 'tail.txt'), 'tail');
    const append = await curl('sftp:/~/resumed.bin', '--append', '--upload-file', join(dir, 'tail.txt'));
    expect(append.code, append.stderr).toBe(0);
    expect(statSync(join(home, 'resumed.bin')).size).toBe(data.length + 4);
  });

  it('sftp: quote commands make, rename, chmod, link and remove; the listing shows them', async () => {
    writeFileSync(join(home, 'q.txt'), 'quoted');
    const r = await curl(
      'sftp:/~/',
      ...['--quote', 'mkdir /qd', '--quote', 'rename /q.txt /qd/r.txt', '--quote', 'chmod 600 /qd/r.txt'],
      ...['--quote', 'symlink /qd/r.txt /qd/l'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(home, 'qd', 'r.txt')).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(home, 'qd', 'l')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(home, 'qd', readlinkSync(join(home, 'qd', 'l'))), 'utf8')).toBe('quoted');
    const list = await curl('sftp:/~/qd/', '--list-only');
    expect(list.stdout.toString().split('\n').filter(Boolean).sort()).toEqual(['.', '..', 'l', 'r.txt']);
    expect(
      (await curl('sftp:/~/', '--quote', 'rm /qd/l', '--quote', 'rm /qd/r.txt', '--quote', 'rmdir /qd')).code,
    ).toBe(0);
    expect(() => statSync(join(home, 'qd'))).toThrow();
  });

  it('scp: uploads and downloads byte-exact, with a password too', async () => {
    const up = await curl('scp:/~/scp.bin', '--upload-file', join(dir, 'up.bin'));
    expect(up.code, up.stderr).toBe(0);
    expect(readFileSync(join(home, 'scp.bin')).equals(data)).toBe(true);
    const down = await curl('scp:/~/scp.bin');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout.equals(data)).toBe(true);
    const withPassword = await curlWith(['--user', 'web:pw'], 'scp:/pw.bin', [
      '--upload-file',
      join(dir, 'part.bin'),
    ]);
    expect(withPassword.code, withPassword.stderr).toBe(0);
    expect(readFileSync(join(home, 'pw.bin')).equals(data.subarray(0, 1_000_000))).toBe(true);
  });
});
