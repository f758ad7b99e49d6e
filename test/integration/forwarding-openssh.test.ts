import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/openssh.js';
import {
  freePort,
  payload,
  roundTrip,
  spawnSsh,
  startEcho,
  startForwardingServer,
  startHttpEcho,
  waitForListener,
  type EchoServer,
  type ForwardingFixture,
} from './forwarding-helpers.js';

// Real OpenSSH `ssh -N` against our server: -L, -R (fixed port and port 0), -D with curl through
// SOCKS, -L to a unix socket and -R of a unix socket, each moving 1.5 MiB each way byte-exact
// through an echo server the test runs.

describe('forwarding with OpenSSH ssh', () => {
  let fx: ForwardingFixture;
  let echo: EchoServer;

  beforeAll(async () => {
    fx = await startForwardingServer();
    echo = await startEcho();
  });
  afterAll(async () => {
    await echo.close();
    await fx.close();
  });

  it('-L: local forward to a TCP echo server', async () => {
    const lport = await freePort();
    const ssh = spawnSsh(fx, ['-N', '-L', `${lport}:127.0.0.1:${echo.port}`, 'alice@127.0.0.1']);
    try {
      await waitForListener({ host: '127.0.0.1', port: lport });
      const data = payload();
      const back = await roundTrip({ host: '127.0.0.1', port: lport }, data);
      expect(back.equals(data)).toBe(true);
      // Several at once through one connection.
      const many = await Promise.all(
        Array.from({ length: 8 }, () => payload(256 * 1024)).map(async (d) =>
          (await roundTrip({ host: '127.0.0.1', port: lport }, d)).equals(d),
        ),
      );
      expect(many.every(Boolean)).toBe(true);
    } finally {
      await ssh.stop();
    }
  });

  it('-R: remote forward on a fixed port', async () => {
    const rport = await freePort();
    const ssh = spawnSsh(fx, ['-N', '-R', `${rport}:127.0.0.1:${echo.port}`, 'alice@127.0.0.1']);
    try {
      await waitForListener({ host: '127.0.0.1', port: rport });
      const data = payload();
      expect((await roundTrip({ host: '127.0.0.1', port: rport }, data)).equals(data)).toBe(true);
    } finally {
      await ssh.stop();
    }
    // The listener goes away with the connection.
    await expect(roundTrip({ host: '127.0.0.1', port: rport }, Buffer.from('x'), 2000)).rejects.toThrow();
  });

  it('-R 0: the server picks the port and ssh prints it', async () => {
    const ssh = spawnSsh(fx, ['-N', '-R', `0:127.0.0.1:${echo.port}`, 'alice@127.0.0.1']);
    try {
      const m = await ssh.waitForStderr(/Allocated port (\d+) for remote forward/);
      const rport = Number(m[1]);
      expect(rport).toBeGreaterThan(1023);
      const data = payload();
      expect((await roundTrip({ host: '127.0.0.1', port: rport }, data)).equals(data)).toBe(true);
    } finally {
      await ssh.stop();
    }
  });

  it('-D: curl through the SOCKS proxy, 1.5 MiB up and down', async () => {
    const http = await startHttpEcho();
    const lport = await freePort();
    const ssh = spawnSsh(fx, ['-N', '-D', `127.0.0.1:${lport}`, 'alice@127.0.0.1']);
    try {
      await waitForListener({ host: '127.0.0.1', port: lport });
      const data = payload();
      const input = join(fx.dir, 'curl-in');
      const output = join(fx.dir, 'curl-out');
      writeFileSync(input, data);
      const curl = await run(
        'curl',
        [
          '-sS',
          '--fail',
          '--socks5-hostname',
          `127.0.0.1:${lport}`,
          '--data-binary',
          `@${input}`,
          '-H',
          'Content-Type: application/octet-stream',
          '-o',
          output,
          `http://localhost:${http.port}/echo`,
        ],
        { timeoutMs: 20_000 },
      );
      expect(curl.code, curl.stderr).toBe(0);
      expect(readFileSync(output).equals(data)).toBe(true);
    } finally {
      await ssh.stop();
      await http.close();
    }
  });

  it('-L to a unix socket under the home directory', async () => {
    const unixEcho = await startEcho(join(fx.home, 'echo.sock'));
    const lport = await freePort();
    const ssh = spawnSsh(fx, ['-N', '-L', `${lport}:${unixEcho.path}`, 'alice@127.0.0.1']);
    try {
      await waitForListener({ host: '127.0.0.1', port: lport });
      const data = payload();
      expect((await roundTrip({ host: '127.0.0.1', port: lport }, data)).equals(data)).toBe(true);
    } finally {
      await ssh.stop();
      await unixEcho.close();
    }
  });

  it('-R of a unix socket: the server listens on a path under the home directory', async () => {
    const path = join(fx.home, 'remote.sock');
    const ssh = spawnSsh(fx, ['-N', '-R', `${path}:127.0.0.1:${echo.port}`, 'alice@127.0.0.1']);
    try {
      await waitForListener({ path });
      const data = payload();
      const back = await roundTrip({ path }, data);
      expect(back.length).toBe(data.length);
      expect(back.equals(data)).toBe(true);
    } finally {
      await ssh.stop();
    }
    await expect(roundTrip({ path }, Buffer.from('x'), 2000)).rejects.toThrow();
  });

  it('refuses -L and -R for an account without port forwarding (ssh exits)', async () => {
    const lport = await freePort();
    const local = spawnSsh(fx, ['-N', '-L', `${lport}:127.0.0.1:${echo.port}`, 'bob@127.0.0.1']);
    try {
      await waitForListener({ host: '127.0.0.1', port: lport });
      // The local listener exists (ssh makes it) but the server refuses the channel: ssh drops the
      // connection (an EOF or a reset, depending on timing) and says why.
      const answer = await roundTrip({ host: '127.0.0.1', port: lport }, Buffer.from('x'), 5000).catch(
        (err: NodeJS.ErrnoException) => err.code,
      );
      expect([0, 'ECONNRESET']).toContain(Buffer.isBuffer(answer) ? answer.length : answer);
      await local.waitForStderr(/administratively prohibited/);
    } finally {
      await local.stop();
    }
    const remote = spawnSsh(fx, ['-N', '-R', `${await freePort()}:127.0.0.1:${echo.port}`, 'bob@127.0.0.1']);
    expect(await remote.exited).not.toBe(0);
    expect(remote.stderr()).toMatch(/remote port forwarding failed/);
  });
});
