import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelOpenFailure } from '../../src/protocol/numbers.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import {
  channelRoundTrip,
  forwardOut,
  freePort,
  payload,
  roundTrip,
  spawnSsh,
  startEcho,
  startForwardingServer,
  waitForListener,
  type EchoServer,
  type ForwardingFixture,
} from './forwarding-helpers.js';

// Targets that never accept, clients and targets that stop reading, and 200 forwarded
// connections at once: every case stays bounded and the server keeps serving.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP port whose accept queue is full and never drained: a child process listens with
 * backlog 1 and then blocks its event loop, and two connections fill the queue, so the kernel
 * drops any further SYN and a connect to it hangs.
 */
async function neverAccepting(): Promise<{ port: number; child: ChildProcess; fillers: Socket[] }> {
  const script =
    "require('net').createServer().listen(0, '127.0.0.1', 1, function () {" +
    " process.stdout.write(this.address().port + '\\n');" +
    ' Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); })';
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (d) => resolve(Number(String(d)))),
  );
  const fillers = Array.from({ length: 4 }, () => connect(port, '127.0.0.1').on('error', () => undefined));
  await sleep(200);
  return { port, child, fillers };
}

/** A server that writes endlessly to each connection and counts what the kernel took. */
async function firehose(): Promise<{ port: number; written(): number; close(): void }> {
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const pump = () => {
      while (!socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    written: () => written,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A server that accepts and never reads. */
async function deafServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.pause();
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('forwarding limits', () => {
  let fx: ForwardingFixture;
  let echo: EchoServer;
  let client: Client;

  beforeAll(async () => {
    fx = await startForwardingServer({ forwarding: { connectTimeoutMs: 500 } });
    echo = await startEcho();
    ({ client } = await connectSsh2(fx.port, { username: 'alice', password: 'pw', strictVendor: false }));
  });
  afterAll(async () => {
    await endSsh2(client);
    await echo.close();
    await fx.close();
  });

  const stillServes = async () => {
    const data = payload(256 * 1024);
    expect(
      (await channelRoundTrip(await forwardOut(client, '127.0.0.1', echo.port), data)).equals(data),
    ).toBe(true);
  };

  it('a target that never accepts fails with CONNECT_FAILED after the connect timeout', async () => {
    const target = await neverAccepting();
    try {
      const started = Date.now();
      const attempts = Array.from({ length: 5 }, () => forwardOut(client, '127.0.0.1', target.port));
      for (const a of attempts)
        await expect(a).rejects.toMatchObject({ reason: ChannelOpenFailure.ConnectFailed });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(5000);
      await stillServes();
    } finally {
      for (const s of target.fillers) s.destroy();
      target.child.kill('SIGKILL');
    }
  });

  it('a client that stops reading stops the target (bounded buffering)', async () => {
    const source = await firehose();
    try {
      const stream = await forwardOut(client, '127.0.0.1', source.port);
      stream.pause();
      await sleep(700);
      const plateau = source.written();
      await sleep(700);
      // The client's window (ssh2: 2 MiB), our buffers and the kernel's socket buffers, no more.
      expect(source.written() - plateau).toBeLessThanOrEqual(256 * 1024);
      expect(source.written()).toBeLessThan(24 * 1024 * 1024);
      await stillServes();
      stream.destroy();
    } finally {
      source.close();
    }
  });

  it('a target that stops reading stops the client (our window stays closed)', async () => {
    const sink = await deafServer();
    try {
      const stream = await forwardOut(client, '127.0.0.1', sink.port);
      let accepted = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      const pump = () => {
        while (accepted < 256 * 1024 * 1024) {
          const ok = stream.write(chunk, () => (accepted += chunk.length));
          if (!ok) return void stream.once('drain', pump);
        }
      };
      pump();
      await sleep(700);
      const plateau = accepted;
      await sleep(700);
      expect(accepted - plateau).toBeLessThanOrEqual(256 * 1024);
      expect(accepted).toBeLessThan(24 * 1024 * 1024);
      await stillServes();
      stream.destroy();
    } finally {
      sink.close();
    }
  });

  it('200 forwarded connections at once through OpenSSH -L, then -R', async () => {
    const lport = await freePort();
    const rport = await freePort();
    const ssh = spawnSsh(fx, [
      '-N',
      '-L',
      `${lport}:127.0.0.1:${echo.port}`,
      '-R',
      `${rport}:127.0.0.1:${echo.port}`,
      'alice@127.0.0.1',
    ]);
    // Many channels watch the connection's abort signal at once; that is no listener leak.
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await waitForListener({ host: '127.0.0.1', port: lport });
      await waitForListener({ host: '127.0.0.1', port: rport });
      for (const port of [lport, rport]) {
        const before = echo.accepted;
        const results = await Promise.all(
          Array.from({ length: 200 }, async () => {
            const data = payload(64 * 1024);
            return (await roundTrip({ host: '127.0.0.1', port }, data, 30_000)).equals(data);
          }),
        );
        expect(results.filter(Boolean).length).toBe(200);
        expect(echo.accepted - before).toBeGreaterThanOrEqual(200);
      }
      await stillServes();
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await ssh.stop();
    }
  });
});
