import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import {
  channelRoundTrip,
  forwardIn,
  forwardInUnix,
  forwardOut,
  forwardOutUnix,
  payload,
  roundTrip,
  startEcho,
  startForwardingServer,
  type EchoServer,
  type ForwardingFixture,
} from './forwarding-helpers.js';

// The `ssh2` npm client as an independent implementation: forwardOut / forwardIn and the OpenSSH
// unix-socket variants, each moving 1.5 MiB each way byte-exact through an echo server.

/** Joins an accepted forwarded channel to a new connection to the echo server. */
function pipeToEcho(stream: Duplex, echo: EchoServer): void {
  const socket: Socket = connect({ host: '127.0.0.1', port: echo.port, allowHalfOpen: true });
  socket.pipe(stream);
  stream.pipe(socket);
  socket.on('error', () => stream.destroy());
}

describe('forwarding with the ssh2 npm client', () => {
  let fx: ForwardingFixture;
  let echo: EchoServer;
  let client: Client;

  beforeAll(async () => {
    fx = await startForwardingServer();
    echo = await startEcho();
    ({ client } = await connectSsh2(fx.port, { username: 'alice', password: 'pw', strictVendor: false }));
    client.on('tcp connection', (_info, accept) => pipeToEcho(accept(), echo));
    client.on('unix connection', (_info, accept) => pipeToEcho(accept(), echo));
  });
  afterAll(async () => {
    await endSsh2(client);
    await echo.close();
    await fx.close();
  });

  it('forwardOut (direct-tcpip) moves 1.5 MiB each way', async () => {
    const data = payload();
    const back = await channelRoundTrip(await forwardOut(client, '127.0.0.1', echo.port), data);
    expect(back.equals(data)).toBe(true);
  });

  it('forwardOut to a closed port fails with CONNECT_FAILED', async () => {
    const closed = await startEcho();
    await closed.close();
    await expect(forwardOut(client, '127.0.0.1', closed.port)).rejects.toMatchObject({ reason: 2 });
  });

  it('forwardIn on port 0 returns the port; connections come back as forwarded-tcpip', async () => {
    const port = await forwardIn(client, 'localhost', 0);
    expect(port).toBeGreaterThan(1023);
    const data = payload();
    expect((await roundTrip({ host: '127.0.0.1', port }, data)).equals(data)).toBe(true);
    await new Promise<void>((resolve, reject) =>
      client.unforwardIn('localhost', port, (err) => (err ? reject(err) : resolve())),
    );
    await expect(roundTrip({ host: '127.0.0.1', port }, Buffer.from('x'), 2000)).rejects.toThrow();
    // Cancelling what is not forwarded is refused.
    await expect(
      new Promise<void>((resolve, reject) =>
        client.unforwardIn('localhost', port, (err) => (err ? reject(err) : resolve())),
      ),
    ).rejects.toThrow();
  });

  it('openssh_forwardOutStreamLocal (direct-streamlocal) to a socket in the home', async () => {
    const unixEcho = await startEcho(join(fx.home, 'ssh2-echo.sock'));
    try {
      const data = payload();
      const back = await channelRoundTrip(await forwardOutUnix(client, unixEcho.path!), data);
      expect(back.equals(data)).toBe(true);
    } finally {
      await unixEcho.close();
    }
  });

  it('openssh_forwardInStreamLocal (streamlocal-forward) and its cancel', async () => {
    const path = join(fx.home, 'ssh2-remote.sock');
    await forwardInUnix(client, path);
    const data = payload();
    expect((await roundTrip({ path }, data)).equals(data)).toBe(true);
    await new Promise<void>((resolve, reject) =>
      client.openssh_unforwardInStreamLocal(path, (err) => (err ? reject(err) : resolve())),
    );
    await expect(roundTrip({ path }, Buffer.from('x'), 2000)).rejects.toThrow();
  });

  it('listeners close with the connection', async () => {
    const { client: other } = await connectSsh2(fx.port, {
      username: 'alice',
      password: 'pw',
      strictVendor: false,
    });
    const port = await forwardIn(other, '127.0.0.1', 0);
    const path = join(fx.home, 'ssh2-gone.sock');
    await forwardInUnix(other, path);
    await endSsh2(other);
    await new Promise((r) => setTimeout(r, 200));
    await expect(roundTrip({ host: '127.0.0.1', port }, Buffer.from('x'), 2000)).rejects.toThrow();
    await expect(roundTrip({ path }, Buffer.from('x'), 2000)).rejects.toThrow();
  });
});
