import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPublicKeyLine, parsePrivateKey, type PrivateKey } from '../../src/keys/index.js';
import { run } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';
import { echoSession } from '../helpers/echo-session.js';

// The legacy algorithms Dropbear's client (Debian dropbear-bin) still offers: the SHA-1 group 14
// key exchange, ssh-rsa and ssh-dss host keys, and both zlib compressions (it asks for them by
// default). The server offers exactly one algorithm of the kind under test, so dbclient must use it;
// its known_hosts holds only the key we expect to sign, so any other host key fails the login.
// Transfers stay at 1 MiB: past 2 MiB, dbclient's 24 KiB channel window stalls `cat` (with or
// without compression), which is a connection-layer matter outside these algorithms.

const DBCLIENT_VERSION = execFileSync('dbclient', ['-V'], { encoding: 'utf8' }).trim() || 'dbclient';
const dsaFixture = fileURLToPath(new URL('../fixtures/keys/dsa', import.meta.url));

describe(`Dropbear ${DBCLIENT_VERSION} × legacy algorithms`, () => {
  let hostKeys: PrivateKey[];
  const cleanup: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    hostKeys = [...(await testHostKeys()), parsePrivateKey(readFileSync(dsaFixture, 'utf8'))];
  });

  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  async function serverWith(algorithms: {
    kexAlgorithms?: string[];
    hostKeyAlgorithms?: string[];
    compression?: string[];
  }): Promise<TestServer> {
    const s = await startTestServer({
      users: [{ name: 'alice', password: 'legacy password' }],
      server: { hostKeys, algorithms },
      setup: (srv) => srv.channelTypes.add(echoSession, 'test', { replace: true }),
    });
    cleanup.push(() => s.close());
    return s;
  }

  /** Logs in with dbclient (password from DROPBEAR_PASSWORD), trusting only `hostKey`, and runs `cat`. */
  async function dbclient(server: TestServer, hostKey: PrivateKey, input: Buffer): Promise<void> {
    const home = mkdtempSync(join(tmpdir(), 'sshd-kit-dropbear-'));
    cleanup.push(() => rmSync(home, { recursive: true, force: true }));
    mkdirSync(join(home, '.ssh'));
    const [type, base64] = formatPublicKeyLine(hostKey.publicKey).split(' ');
    writeFileSync(join(home, '.ssh', 'known_hosts'), `127.0.0.1 ${type} ${base64}\n`);
    const r = await run('dbclient', ['-p', String(server.port), 'alice@127.0.0.1', 'cat'], {
      env: { ...process.env, HOME: home, DROPBEAR_PASSWORD: 'legacy password' },
      input,
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.equals(input)).toBe(true);
  }

  for (const hostKey of ['ssh-rsa', 'ssh-dss'] as const) {
    it(`diffie-hellman-group14-sha1 with a ${hostKey} host key`, async () => {
      const server = await serverWith({
        kexAlgorithms: ['diffie-hellman-group14-sha1'],
        hostKeyAlgorithms: [hostKey],
      });
      await dbclient(
        server,
        hostKeys.find((k) => k.type === hostKey)!,
        randomBytes(256 * 1024),
      );
    });
  }

  it('refuses the login when the server signs with a key it was not told to trust', async () => {
    const server = await serverWith({ hostKeyAlgorithms: ['ssh-dss'] });
    const home = mkdtempSync(join(tmpdir(), 'sshd-kit-dropbear-'));
    cleanup.push(() => rmSync(home, { recursive: true, force: true }));
    mkdirSync(join(home, '.ssh'));
    const rsa = hostKeys.find((k) => k.type === 'ssh-rsa')!;
    const [type, base64] = formatPublicKeyLine(rsa.publicKey).split(' ');
    writeFileSync(join(home, '.ssh', 'known_hosts'), `127.0.0.1 ${type} ${base64}\n`);
    const r = await run('dbclient', ['-p', String(server.port), 'alice@127.0.0.1', 'cat'], {
      env: { ...process.env, HOME: home, DROPBEAR_PASSWORD: 'legacy password' },
      // Without a terminal dbclient reads its "continue connecting? (y/n)" answer from stdin.
      input: 'n\n',
      timeoutMs: 30_000,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/ssh-dss fingerprint/);
    expect(r.stderr).toMatch(/Didn't validate host key/);
  });

  for (const compression of ['zlib@openssh.com', 'zlib']) {
    it(`compression ${compression} round-trips 1 MiB`, async () => {
      const server = await serverWith({ compression: [compression] });
      const data = Buffer.concat([Buffer.alloc(512 << 10, 'dropbear '), randomBytes(512 << 10)]);
      await dbclient(
        server,
        hostKeys.find((k) => k.type === 'ssh-ed25519')!,
        data,
      );
    });
  }
});
