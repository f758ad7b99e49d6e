import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// What the server does as connections come and go: MaxStartups counts only the connections that
// have not authenticated yet, and a quiet spell after connection churn runs one idle collection.

/** Opens a TCP connection and resolves with the first line the server sends. */
function firstLine(port: number): Promise<{ socket: Socket; line: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('error', reject);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('\n')) resolve({ socket, line: text.split('\r\n')[0]! });
    });
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('admission and idle collection', () => {
  let server: TestServer | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.close();
    server = undefined;
  });

  it('MaxStartups counts connections until they authenticate, and forgets them when they close', async () => {
    server = await startTestServer({
      users: [{ name: 'alice', password: 'pw' }],
      server: { maxStartups: { start: 1, rate: 100, full: 1 }, penalties: false },
    });
    const port = server.port;
    // An authenticated connection does not take the one unauthenticated slot.
    const { client } = await connectSsh2(port, { password: 'pw' });
    const first = await firstLine(port);
    sockets.push(first.socket);
    expect(first.line).toMatch(/^SSH-2\.0-/);
    const refused = await firstLine(port);
    sockets.push(refused.socket);
    expect(refused.line).toBe('Not allowed at this time');
    // The unauthenticated one leaves: its slot is free again.
    first.socket.destroy();
    await until(() => server!.server.connectionCount === 1);
    const next = await firstLine(port);
    sockets.push(next.socket);
    expect(next.line).toMatch(/^SSH-2\.0-/);
    await endSsh2(client);
  });

  it('runs one collection once a burst of connections has stopped opening and closing', async () => {
    let collections = 0;
    let heapBytes = 0;
    const s = (server = await startTestServer({
      users: [{ name: 'alice', password: 'pw' }],
      server: {
        idleCollection: {
          quietMs: 1500,
          minChurn: 6,
          minHeapGrowthBytes: 1024,
          heapBytes: () => heapBytes,
          collect: () => collections++,
        },
      },
    }));
    const quiet = () => new Promise((r) => setTimeout(r, 2000));
    const connectAndLeave = async () => {
      const { client } = await connectSsh2(s.port, { password: 'pw' });
      await endSsh2(client);
    };
    // A connection that stays: its objects keep the JIT's code through a collection.
    const keeper = await connectSsh2(s.port, { password: 'pw' });
    // One connection is not a burst: its quiet period passes without a collection.
    await connectAndLeave();
    await quiet();
    expect(collections).toBe(0);
    for (let i = 0; i < 2; i++) {
      await connectAndLeave();
      await new Promise((r) => setTimeout(r, 100));
    }
    // Each connection restarted the quiet period, so nothing has run yet.
    expect(collections).toBe(0);
    await quiet();
    expect(collections).toBe(1);
    // No churn, no further collection.
    await quiet();
    expect(collections).toBe(1);

    // A burst after which no connection is alive is left alone (a forced collection would throw
    // the optimized code away), unless the heap has grown by minHeapGrowthBytes.
    await endSsh2(keeper.client);
    for (let i = 0; i < 3; i++) await connectAndLeave();
    await quiet();
    expect(collections).toBe(1);
    heapBytes = 4096;
    await connectAndLeave();
    await quiet();
    expect(collections).toBe(2);
  });

  it('the collector is found when V8 exposes it, and not otherwise', async () => {
    const { exposedGarbageCollector } = await import('../../src/server/idle-collector.js');
    const { setFlagsFromString } = await import('node:v8');
    setFlagsFromString('--expose-gc');
    const collect = exposedGarbageCollector();
    expect(collect).toBeTypeOf('function');
    collect!();
    setFlagsFromString('--no-expose-gc');
    expect(exposedGarbageCollector()).toBeUndefined();
  });
});
