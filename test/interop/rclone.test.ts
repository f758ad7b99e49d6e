import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import type { PrivateKey } from '../../src/keys/types.js';
import type { AlgorithmSettings } from '../../src/server/server.js';
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import { run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';

// rclone 1.60 (Debian 12) as a client: Go's golang.org/x/crypto/ssh for the transport and
// github.com/pkg/sftp for SFTP, a third independent implementation beside OpenSSH and ssh2. Its
// uploads send every short WRITE with its whole 32 KiB buffer after the data (fixed in pkg/sftp
// in 2023), which this server refused until it ignored the excess as OpenSSH does.

/** Files whose sizes straddle pkg/sftp's 32 KiB chunks, so each upload ends in a short WRITE. */
const TREE: Record<string, number> = {
  'empty.txt': 0,
  'one.txt': 1,
  'a/under.bin': 32767,
  'a/exact.bin': 32768,
  'a/over.bin': 32769,
  'a/b/mid.bin': 100_000,
  'big.bin': 3 * 1024 * 1024 + 1,
};

function writeTree(root: string): void {
  for (const [name, size] of Object.entries(TREE)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), randomBytes(size));
    utimesSync(join(root, name), 1_700_000_000, 1_700_000_000);
  }
}

function expectSameTree(from: string, to: string): void {
  for (const name of Object.keys(TREE)) {
    expect(readFileSync(join(to, name)).equals(readFileSync(join(from, name))), name).toBe(true);
  }
}

/** `[127.0.0.1]:port key` lines for every host key, so rclone checks the key whichever it picks. */
function knownHosts(port: number, keys: readonly PrivateKey[]): string {
  return keys.map((k) => `[127.0.0.1]:${port} ${formatPublicKeyLine(k.publicKey, 'test')}\n`).join('');
}

describe('rclone (Go x/crypto/ssh and pkg/sftp)', () => {
  let dir: string;
  let keyFile: string;
  let clientKey: PrivateKey;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-rclone-'));
    clientKey = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id', clientKey);
    writeFileSync(join(dir, 'rclone.conf'), '');
    writeTree(join(dir, 'src'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** rclone against `server` as `user`: an argument `remote:PATH` names PATH on the server. */
  const rcloneAt = (server: TestServer, user: string) => {
    const hosts = join(dir, `known_hosts-${server.port}`);
    writeFileSync(hosts, knownHosts(server.port, server.hostKeys));
    const remote = `:sftp,host=127.0.0.1,port=${server.port},user=${user},key_file=${keyFile},known_hosts_file=${hosts}:`;
    const config = ['--config', join(dir, 'rclone.conf'), '--retries', '1', '--low-level-retries', '1'];
    return (args: readonly string[]) =>
      run('rclone', [...config, ...args.map((a) => a.replace(/^remote:/, remote))], { timeoutMs: 120_000 });
  };

  describe('a hosting account (SFTP only)', () => {
    let server: TestServer;
    let home: string;
    let rclone: ReturnType<typeof rcloneAt>;

    beforeAll(async () => {
      server = await startTestServer({
        users: [{ name: 'web', keys: [clientKey], permissions: SFTP_ONLY_PERMISSIONS }],
      });
      home = join(server.dataDir, 'homes', 'web');
      mkdirSync(home, { recursive: true, mode: 0o700 });
      rclone = rcloneAt(server, 'web');
    });
    afterAll(() => server?.close());

    it('copies a tree up and back byte-exact, times kept, short last chunks included', async () => {
      const up = await rclone(['copy', join(dir, 'src'), 'remote:site']);
      expect(up.code, up.stderr).toBe(0);
      expectSameTree(join(dir, 'src'), join(home, 'site'));
      expect(statSync(join(home, 'site', 'big.bin')).mtimeMs).toBe(1_700_000_000_000);
      const down = await rclone(['copy', 'remote:site', join(dir, 'back')]);
      expect(down.code, down.stderr).toBe(0);
      expectSameTree(join(dir, 'src'), join(dir, 'back'));
      // No exec for this account, so no remote md5sum: rclone compares sizes and says so.
      const check = await rclone(['check', join(dir, 'src'), 'remote:site']);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stderr).toMatch(/7 matching files/);
    });

    it('syncs deletions, moves, makes and removes directories, reports space', async () => {
      expect((await rclone(['copy', join(dir, 'src'), 'remote:s2'])).code).toBe(0);
      writeFileSync(join(home, 's2', 'stale.txt'), 'gone after sync');
      const sync = await rclone(['sync', join(dir, 'src'), 'remote:s2']);
      expect(sync.code, sync.stderr).toBe(0);
      expect(() => statSync(join(home, 's2', 'stale.txt'))).toThrow();
      const move = await rclone(['moveto', 'remote:s2/big.bin', 'remote:s2/a/moved.bin']);
      expect(move.code, move.stderr).toBe(0);
      expect(
        readFileSync(join(home, 's2', 'a', 'moved.bin')).equals(readFileSync(join(dir, 'src', 'big.bin'))),
      ).toBe(true);
      expect((await rclone(['mkdir', 'remote:s2/new/deeper'])).code).toBe(0);
      expect(statSync(join(home, 's2', 'new', 'deeper')).isDirectory()).toBe(true);
      expect((await rclone(['rmdirs', 'remote:s2/new'])).code).toBe(0);
      expect(() => statSync(join(home, 's2', 'new'))).toThrow();
      const about = await rclone(['about', 'remote:', '--json']);
      expect(about.code, about.stderr).toBe(0);
      expect(JSON.parse(about.stdout.toString())).toMatchObject({
        total: expect.any(Number),
        free: expect.any(Number),
      });
      expect((await rclone(['purge', 'remote:s2'])).code).toBe(0);
      expect(() => statSync(join(home, 's2'))).toThrow();
    });
  });

  it('a shell account: hashes through md5sum, with the SFTP root mapped to the home', async () => {
    const server = await startTestServer({ users: [{ name: 'dev', keys: [clientKey] }] });
    try {
      const home = join(server.dataDir, 'homes', 'dev');
      mkdirSync(home, { recursive: true, mode: 0o700 });
      const rclone = rcloneAt(server, 'dev');
      // SFTP sees the home as "/", commands run in the host's tree: rclone needs the real path.
      const override = ['--sftp-path-override', join(home, 'site')];
      const up = await rclone(['copy', join(dir, 'src'), 'remote:site', ...override]);
      expect(up.code, up.stderr).toBe(0);
      const check = await rclone(['check', join(dir, 'src'), 'remote:site', ...override]);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stderr).toMatch(/7 matching files/);
      expect(check.stderr).not.toMatch(/could not be checked/);
    } finally {
      await server.close();
    }
  });

  // The algorithms Go's client of 2022 shares with the server, each forced in turn by the server.
  describe.each<[string, AlgorithmSettings]>([
    ['chacha20-poly1305', { ciphers: 'chacha20-poly1305@openssh.com' }],
    ['aes128-gcm', { ciphers: 'aes128-gcm@openssh.com' }],
    ['aes128-ctr + hmac-sha2-256-etm', { ciphers: 'aes128-ctr', macs: 'hmac-sha2-256-etm@openssh.com' }],
    ['aes256-ctr + hmac-sha2-256', { ciphers: 'aes256-ctr', macs: 'hmac-sha2-256' }],
    [
      'ecdh-sha2-nistp256 + an ECDSA host key',
      { kexAlgorithms: 'ecdh-sha2-nistp256', hostKeyAlgorithms: 'ecdsa-sha2-nistp256' },
    ],
    ['rsa-sha2-256 host key', { hostKeyAlgorithms: 'rsa-sha2-256' }],
  ])('%s', (_name, algorithms) => {
    it('uploads and reads back a file', async () => {
      const server = await startTestServer({
        users: [{ name: 'web', keys: [clientKey], permissions: SFTP_ONLY_PERMISSIONS }],
        server: { hostKeys: await testHostKeys(), algorithms },
      });
      try {
        mkdirSync(join(server.dataDir, 'homes', 'web'), { recursive: true, mode: 0o700 });
        const rclone = rcloneAt(server, 'web');
        const src = join(dir, 'src', 'a', 'b', 'mid.bin');
        expect((await rclone(['copyto', src, 'remote:f.bin'])).code).toBe(0);
        const cat = await rclone(['cat', 'remote:f.bin']);
        expect(cat.code, cat.stderr).toBe(0);
        expect(cat.stdout.equals(readFileSync(src))).toBe(true);
      } finally {
        await server.close();
      }
    });
  });
});
