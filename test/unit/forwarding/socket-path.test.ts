import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSocketPath, removeStaleSocket } from '../../../src/forwarding/socket-path.js';

describe('unix socket paths for forwarding', () => {
  let root: string;
  let home: string;
  let other: string;

  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'sshd-kit-sockpath-')));
    home = join(root, 'home');
    other = join(root, 'other');
    mkdirSync(home);
    mkdirSync(other);
    symlinkSync(other, join(home, 'escape'));
    writeFileSync(join(other, 'secret.sock'), '');
    symlinkSync(join(other, 'secret.sock'), join(home, 'link.sock'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('allows a socket under the home (~) and resolves it', async () => {
    expect(await checkSocketPath(join(home, 'a.sock'), ['~'], home, 'listen')).toEqual({
      ok: true,
      path: join(home, 'a.sock'),
    });
    expect(await checkSocketPath(`${home}/x/../b.sock`, ['~'], home, 'listen')).toMatchObject({ ok: false });
  });

  it('refuses relative paths, .., directories outside, and symlinks out', async () => {
    const no = async (p: string, mode: 'listen' | 'connect' = 'listen') =>
      (await checkSocketPath(p, ['~'], home, mode)).ok;
    expect(await no('relative.sock')).toBe(false);
    expect(await no(join(other, 'x.sock'))).toBe(false);
    expect(await no(`${home}/../other/x.sock`)).toBe(false);
    expect(await no(join(home, 'escape', 'x.sock'))).toBe(false);
    expect(await no(join(home, 'link.sock'), 'connect')).toBe(false);
    expect(await no(`${home}/`)).toBe(false);
    expect(await no(join(home, 'a'.repeat(120)))).toBe(false);
  });

  it('reports a missing socket under an allowed directory as missing', async () => {
    expect(await checkSocketPath(join(home, 'none.sock'), ['~'], home, 'connect')).toMatchObject({
      ok: false,
      missing: true,
    });
    expect(await checkSocketPath(join(other, 'none.sock'), ['~'], home, 'connect')).not.toHaveProperty(
      'missing',
    );
  });

  it('removes a dead socket of ours, but never a live one or another kind of file', async () => {
    const listen = (path: string) =>
      new Promise<Server>((resolve) => {
        const s = createServer();
        s.listen(path, () => resolve(s));
      });
    const live = join(home, 'live.sock');
    const server = await listen(live);
    expect(await removeStaleSocket(live)).toBe(false);
    expect(existsSync(live)).toBe(true);
    server.close();

    const dead = join(home, 'dead.sock');
    // A process killed while listening leaves its socket file behind.
    const crashed = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(dead)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(crashed.signal).toBe('SIGKILL');
    expect(existsSync(dead)).toBe(true);
    expect(await removeStaleSocket(dead)).toBe(true);
    expect(existsSync(dead)).toBe(false);

    const plain = join(home, 'plain-file');
    writeFileSync(plain, 'data');
    expect(await removeStaleSocket(plain)).toBe(false);
    expect(existsSync(plain)).toBe(true);
  });
});
