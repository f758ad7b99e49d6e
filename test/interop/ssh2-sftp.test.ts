import fs, { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nativePageCacheRead } from '../../src/sftp/vfs/local/cached-read.js';
import { sha256File, writeRandomFile } from '../helpers/files.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The ssh2 npm client's SFTP (fastGet/fastPut with parallel requests, and SYMLINK in the spec's
// argument order, which it uses against servers that are not OpenSSH).

/** Whether `dir` exists with room for `bytes` more (a container's /dev/shm may hold only 64 MiB). */
const roomIn = (dir: string, bytes: number): boolean => {
  if (!existsSync(dir)) return false;
  const { bavail, bsize } = statfsSync(dir);
  return bavail * bsize >= bytes;
};

/** Whether `dir` is on tmpfs or ramfs (their statfs magic numbers, linux/magic.h). */
const inMemory = (dir: string): boolean => [0x01021994, 0x858458f6].includes(statfsSync(dir).type);

// Homes in the temporary directory (on the disk, usually), and on tmpfs, where file data is read
// and written on the event loop.
const homesOn = [
  { where: 'the temporary directory', dataParent: tmpdir() },
  ...(roomIn('/dev/shm', 512 * 1024 * 1024) ? [{ where: 'tmpfs', dataParent: '/dev/shm' }] : []),
];

describe.each(homesOn)('ssh2 npm client × sftp subsystem, homes in $where', ({ dataParent }) => {
  let server: TestServer;
  let dir: string;
  let home: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-ssh2-sftp-'));
    server = await startTestServer({ users: [{ name: 'alice', password: 'pw' }], dataParent });
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
    const pool = vi.spyOn(fs, 'writev');
    const loop = vi.spyOn(fs, 'writevSync');
    await withSftp(async (sftp) => {
      const options = { concurrency: 64, chunkSize: 32 * 1024 };
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(src, 'up', options, (e) => (e ? reject(e) : resolve())),
      );
      await new Promise<void>((resolve, reject) =>
        sftp.fastGet('up', `${src}.back`, options, (e) => (e ? reject(e) : resolve())),
      );
    });
    // The upload went through the thread pool, or (on tmpfs, with the native addon) the event loop.
    const loopWrites = nativePageCacheRead !== undefined && inMemory(home);
    expect([pool.mock.calls.length > 0, loop.mock.calls.length > 0]).toEqual([!loopWrites, loopWrites]);
    vi.restoreAllMocks();
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
