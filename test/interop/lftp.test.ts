import { randomBytes } from 'node:crypto';
import {
  existsSync,
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
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import { HERMETIC_SSH_OPTIONS, run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { treeDigest } from '../integration/sftp/helpers.js';

// lftp (Debian 12: 4.9.2) speaks SFTP with its own implementation over an `ssh -s sftp` pipe: a
// different request pattern from OpenSSH's sftp (its own pipelining, mirror's listings, resumes
// with `get -c`), and the client of many a hosting customer's deploy script.

describe('lftp', () => {
  let server: TestServer;
  let dir: string;
  let home: string;
  let keyFile: string;

  /** Runs lftp commands against the server as `web`, through OpenSSH with the test key. */
  const lftp = (commands: string[]) => {
    const ssh = ['ssh', '-a', '-x', ...HERMETIC_SSH_OPTIONS, '-o', 'BatchMode=yes', '-i', keyFile].join(' ');
    const script = [
      `set sftp:connect-program "${ssh}"`,
      'set net:max-retries 1',
      'set cmd:fail-exit yes',
      `open -u web, sftp://127.0.0.1:${server.port}`,
      ...commands,
    ].join('; ');
    return run('lftp', ['-c', script], { timeoutMs: 60_000 });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-lftp-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id', key);
    server = await startTestServer({
      users: [{ name: 'web', keys: [key], permissions: SFTP_ONLY_PERMISSIONS }],
    });
    home = join(server.dataDir, 'homes', 'web');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    // A site to deploy: nested directories, an empty file, sizes around SFTP's 32 KiB reads.
    const site = join(dir, 'site');
    mkdirSync(join(site, 'assets', 'img'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<h1>hello</h1>\n');
    writeFileSync(join(site, 'empty.txt'), '');
    for (const size of [1, 32_767, 32_768, 32_769, 1_000_003]) {
      writeFileSync(join(site, 'assets', `b${size}.bin`), randomBytes(size));
    }
    writeFileSync(join(site, 'assets', 'img', 'logo.png'), randomBytes(70_000));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mirrors a site up and back byte-exact, then mirrors a change with deletes', async () => {
    const up = await lftp([`mirror -R ${join(dir, 'site')} www`]);
    expect(up.code, up.stderr).toBe(0);
    expect(treeDigest(join(home, 'www'))).toEqual(treeDigest(join(dir, 'site')));

    const down = await lftp([`mirror www ${join(dir, 'back')}`]);
    expect(down.code, down.stderr).toBe(0);
    expect(treeDigest(join(dir, 'back'))).toEqual(treeDigest(join(dir, 'site')));

    rmSync(join(dir, 'site', 'assets', 'b1.bin'));
    writeFileSync(join(dir, 'site', 'index.html'), '<h1>changed</h1>\n');
    const again = await lftp([`mirror -R --delete ${join(dir, 'site')} www`]);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(home, 'www', 'assets', 'b1.bin'))).toBe(false);
    expect(readFileSync(join(home, 'www', 'index.html'), 'utf8')).toBe('<h1>changed</h1>\n');
  });

  it('puts, resumes a partial download with get -c, renames, chmods, links and removes', async () => {
    const data = randomBytes(2_000_000);
    writeFileSync(join(dir, 'big.bin'), data);
    writeFileSync(join(dir, 'part.bin'), data.subarray(0, 700_000));
    const r = await lftp([
      `put ${join(dir, 'big.bin')} -o big.bin`,
      `get -c big.bin -o ${join(dir, 'part.bin')}`,
      'mkdir -p a/b',
      'mv big.bin a/b/moved.bin',
      'chmod 600 a/b/moved.bin',
      'ln -s a/b/moved.bin link',
      'put /dev/null -o gone.txt',
      'rm gone.txt',
      'cls -1 a/b',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'part.bin')).equals(data)).toBe(true);
    const moved = join(home, 'a', 'b', 'moved.bin');
    expect(readFileSync(moved).equals(data)).toBe(true);
    expect(statSync(moved).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(home, 'link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(home, 'link'))).toBe('a/b/moved.bin');
    expect(existsSync(join(home, 'gone.txt'))).toBe(false);
    expect(r.stdout.toString()).toContain('a/b/moved.bin');
  });

  it('stays in the jail: `..` from the top is the top, as in a chroot', async () => {
    const r = await lftp(['put /dev/null -o ../../escape.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(home, 'escape.txt'))).toBe(true);
    expect(existsSync(join(server.dataDir, 'homes', 'escape.txt'))).toBe(false);
    expect(existsSync(join(server.dataDir, 'escape.txt'))).toBe(false);
  });
});
