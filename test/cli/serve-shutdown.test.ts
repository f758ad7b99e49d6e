// SIGTERM while files are moving: every upload the client saw acknowledged is complete on disk,
// downloads finish, and serve exits 0 (issue 5, security catalogue E04).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { sha256File, writeRandomFile } from '../helpers/files.js';
import { sftp as runSftp, writeClientKey } from '../helpers/openssh.js';
import { ensureBuilt, tempDirs } from './helpers.js';
import { addUser, seedHostKeys, startServe, type ServeProcess } from './serve-helpers.js';

const tmp = tempDirs('sshd-kit-shutdown-');
beforeAll(ensureBuilt, 180_000);
const running: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

describe('sshd-kit serve: SIGTERM during transfers', () => {
  it('lets uploads and downloads in flight finish, loses no acknowledged byte, exits 0', async () => {
    const base = tmp();
    const dir = join(base, 'data');
    seedHostKeys(dir);
    const key = await generatePrivateKey('ed25519');
    await addUser(dir, 'alice', { keys: [key] });
    const keyFile = await writeClientKey(base, 'id', key);
    const src = join(base, 'payload');
    await writeRandomFile(src, 256 * 1024 * 1024);
    const home = join(dir, 'homes', 'alice');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    await writeRandomFile(join(home, 'download'), 256 * 1024 * 1024);

    const p = startServe(dir, ['--shutdown-timeout', '60']);
    running.push(p);
    const port = await p.port();
    const sftp = (commands: string) => {
      const batch = join(base, `batch-${Math.random().toString(36).slice(2)}`);
      writeFileSync(batch, commands);
      return runSftp(port, ['-i', keyFile, '-b', batch, 'alice@127.0.0.1'], { timeoutMs: 120_000 });
    };
    const transfers = [
      sftp(`put ${src} up1\n`),
      sftp(`put ${src} up2\n`),
      sftp(`get download ${join(base, 'down1')}\n`),
    ];
    // Every transfer is logged in and moving (unauthenticated connections are dropped at once).
    for (let i = 0; i < 100 && p.lines().filter((l) => l.msg === 'authenticated').length < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    p.signal('SIGTERM');
    const results = await Promise.all(transfers);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    const digest = await sha256File(src);
    expect(await sha256File(join(home, 'up1'))).toBe(digest);
    expect(await sha256File(join(home, 'up2'))).toBe(digest);
    expect(await sha256File(join(base, 'down1'))).toBe(await sha256File(join(home, 'download')));
  }, 180_000);
});
