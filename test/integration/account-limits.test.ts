import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { sftp as opensshSftp, ssh, writeClientKey } from '../helpers/openssh.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Per-user limits. Bandwidth, with the ssh2 client's SFTP fastGet/fastPut and OpenSSH's sftp: a
// limited account's transfers take at least as long as its limit says (summed over its
// connections), an unlimited account's do not; only lower bounds are timed, as a loaded machine
// may be slower, never faster. Connections at once, with OpenSSH's ssh: a login past the limit
// is disconnected with TOO_MANY_CONNECTIONS, and gets in once a place is free.

const MiB = 1024 * 1024;
const LIMIT = 2 * MiB;
/** What a limit lets through before it holds: half a second's worth. */
const BURST = LIMIT / 2;
/** The SFTP channel's window a client may fill before the server's first grant. */
const WINDOW = 2 * MiB;

describe('per-user limits', () => {
  let ts: TestServer;
  let dir: string;
  let keyFile: string;
  const file = randomBytes(8 * MiB);

  beforeAll(async () => {
    const key = await generatePrivateKey('ed25519');
    ts = await startTestServer({
      users: [
        {
          name: 'slow',
          password: 'pw',
          keys: [key],
          limits: { uploadBytesPerSecond: LIMIT, downloadBytesPerSecond: LIMIT },
        },
        { name: 'fast', password: 'pw' },
        { name: 'few', password: 'pw', keys: [key], limits: { maxConnections: 2 } },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-bandwidth-'));
    keyFile = await writeClientKey(dir, 'id', key);
    for (const user of ['slow', 'fast']) {
      mkdirSync(join(ts.dataDir, 'homes', user), { recursive: true });
      writeFileSync(join(ts.dataDir, 'homes', user, 'big'), file);
    }
  });
  afterAll(async () => {
    await ts?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sftpOf = (client: Client) =>
    new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
  const timed = async (work: () => Promise<void>) => {
    const start = performance.now();
    await work();
    return (performance.now() - start) / 1000;
  };
  const get = (sftp: SFTPWrapper, remote: string, local: string) =>
    new Promise<void>((resolve, reject) =>
      sftp.fastGet(remote, local, (err) => (err ? reject(err) : resolve())),
    );
  const put = (sftp: SFTPWrapper, local: string, remote: string) =>
    new Promise<void>((resolve, reject) =>
      sftp.fastPut(local, remote, (err) => (err ? reject(err) : resolve())),
    );

  it('holds a download to the limit, and leaves other accounts alone', async () => {
    const slow = await connectSsh2(ts.port, { username: 'slow', password: 'pw' });
    const fast = await connectSsh2(ts.port, { username: 'fast', password: 'pw' });
    const [slowSftp, fastSftp] = await Promise.all([sftpOf(slow.client), sftpOf(fast.client)]);
    const [slowSeconds, fastSeconds] = await Promise.all([
      timed(() => get(slowSftp, 'big', join(dir, 'slow-big'))),
      timed(() => get(fastSftp, 'big', join(dir, 'fast-big'))),
    ]);
    expect(readFileSync(join(dir, 'slow-big')).equals(file)).toBe(true);
    expect(readFileSync(join(dir, 'fast-big')).equals(file)).toBe(true);
    expect(slowSeconds).toBeGreaterThan((file.length - BURST - 64 * 1024) / LIMIT);
    expect(fastSeconds).toBeLessThan(slowSeconds / 2);
    await Promise.all([endSsh2(slow.client), endSsh2(fast.client)]);
  });

  it('holds an upload to the limit by holding back window', async () => {
    const local = join(dir, 'upload');
    writeFileSync(local, file);
    const slow = await connectSsh2(ts.port, { username: 'slow', password: 'pw' });
    const seconds = await timed(async () => put(await sftpOf(slow.client), local, 'uploaded'));
    expect(readFileSync(join(ts.dataDir, 'homes', 'slow', 'uploaded')).equals(file)).toBe(true);
    expect(seconds).toBeGreaterThan((file.length - WINDOW - BURST) / LIMIT);
    await endSsh2(slow.client);
  });

  it("holds OpenSSH sftp's pipelined transfers both ways", async () => {
    writeFileSync(join(dir, 'put-me'), file);
    let result!: Awaited<ReturnType<typeof opensshSftp>>;
    const seconds = await timed(async () => {
      result = await opensshSftp(ts.port, ['-i', keyFile, '-b', '-', 'slow@127.0.0.1'], {
        input: `get big ${join(dir, 'openssh-got')}\nput ${join(dir, 'put-me')} openssh-put\n`,
        timeoutMs: 60_000,
      });
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'openssh-got')).equals(file)).toBe(true);
    expect(readFileSync(join(ts.dataDir, 'homes', 'slow', 'openssh-put')).equals(file)).toBe(true);
    // One file each way, each through its own 2 MiB/s limit.
    expect(seconds).toBeGreaterThan(
      (file.length - BURST - 64 * 1024) / LIMIT + (file.length - WINDOW - BURST) / LIMIT,
    );
  });

  it("shares one limit among an account's connections", async () => {
    const clients = await Promise.all(
      [1, 2].map(() => connectSsh2(ts.port, { username: 'slow', password: 'pw' })),
    );
    const seconds = await timed(async () => {
      await Promise.all(
        clients.map(async ({ client }, i) => get(await sftpOf(client), 'big', join(dir, `shared-${i}`))),
      );
    });
    // Two files through one 2 MiB/s limit.
    expect(seconds).toBeGreaterThan((2 * file.length - BURST - 2 * 64 * 1024) / LIMIT);
    await Promise.all(clients.map(({ client }) => endSsh2(client)));
  });

  it("disconnects a login past the account's connection limit, and lets it in once one closes", async () => {
    const first = await connectSsh2(ts.port, { username: 'few', password: 'pw' });
    const second = await connectSsh2(ts.port, { username: 'few', password: 'pw' });
    const refused = await ssh(ts.port, ['-i', keyFile, 'few@127.0.0.1', 'echo in']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(
      /disconnect.*12: too many connections for few \(2 of at most 2 already logged in\)/i,
    );
    expect(ts.server.metricsText()).toMatch(/^sshd_kit_logins_refused_total 1$/m);
    // Other accounts are not counted against it.
    expect((await ssh(ts.port, ['-i', keyFile, 'slow@127.0.0.1', 'echo in'])).stdout.toString()).toBe('in\n');
    await endSsh2(first.client);
    const admitted = await ssh(ts.port, ['-i', keyFile, 'few@127.0.0.1', 'echo in']);
    expect([admitted.code, admitted.stdout.toString()]).toEqual([0, 'in\n']);
    await endSsh2(second.client);
  });
});
