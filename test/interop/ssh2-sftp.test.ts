import { mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File, writeRandomFile } from '../helpers/files.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The ssh2 npm client's SFTP (fastGet/fastPut with parallel requests, and SYMLINK in the spec's
// argument order, which it uses against servers that are not OpenSSH).

describe('ssh2 npm client × sftp subsystem', () => {
  let server: TestServer;
  let dir: string;
  let home: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-ssh2-sftp-'));
    server = await startTestServer({ users: [{ name: 'alice', password: 'pw' }] });
    home = join(server.dataDir, 'homes', 'alice');
    mkdirSync(home, { recursive: true, mode: 0o700 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const withSftp = async <T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> => {
    const { client } = await connectSsh2(server.port, { password: 'pw' });
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((err, s) => (err ? reject(err) : resolve(s))),
      );
      return await fn(sftp);
    } finally {
      await endSsh2(client);
    }
  };

  it('fastPut and fastGet move 128 MiB byte-exact with 64 requests in flight', async () => {
    const src = join(dir, 'src');
    await writeRandomFile(src, 128 * 1024 * 1024);
    await withSftp(async (sftp) => {
      const options = { concurrency: 64, chunkSize: 32 * 1024 };
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(src, 'up', options, (e) => (e ? reject(e) : resolve())),
      );
      await new Promise<void>((resolve, reject) =>
        sftp.fastGet('up', `${src}.back`, options, (e) => (e ? reject(e) : resolve())),
      );
    });
    const digest = await sha256File(src);
    expect(await sha256File(join(home, 'up'))).toBe(digest);
    expect(await sha256File(`${src}.back`)).toBe(digest);
  }, 120_000);

  it('creates a symlink from the spec argument order the ssh2 client uses', async () => {
    await withSftp(
      (sftp) =>
        new Promise<void>((resolve, reject) =>
          sftp.symlink('up', 'link-to-up', (e) => (e ? reject(e) : resolve())),
        ),
    );
    expect(readlinkSync(join(home, 'link-to-up'))).toBe('up');
  });
});
