import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRequestMessage } from '../../src/connection/messages.js';
import { Msg } from '../../src/protocol/numbers.js';
import { WireWriter } from '../../src/wire/index.js';
import { loggedInClient, openRawChannel } from '../helpers/raw-channel.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// A client that stops reading must not grow the server's memory: `cat /dev/zero` fills the
// client's window once, then the channel's backpressure stops the process (issue 5).

describe('a client that stops reading', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: [{ name: 'alice', password: 'pw' }] });
  });
  afterAll(() => server?.close());

  it('holds the server to a bounded amount of buffered output', async () => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'session', { window: 256 * 1024 });
    if (!('serverId' in ch)) throw new Error('session open failed');
    const exec = new WireWriter().text('cat /dev/zero').finish();
    client.transport.send(
      ChannelRequestMessage.encode({
        recipientChannel: ch.serverId,
        requestType: 'exec',
        wantReply: true,
        typeSpecific: exec,
      }),
    );
    global.gc?.();
    const before = process.memoryUsage().rss;
    let received = 0;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const m = await client.next(200).catch(() => undefined);
      if (m?.[0] === Msg.ChannelData) received += m.length;
    }
    const growth = process.memoryUsage().rss - before;
    // The client granted 256 KiB and never more: that is all it gets, and the server holds at
    // most its pipes' and streams' buffers, not the gigabytes cat would have produced.
    expect(received).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    expect(growth).toBeLessThan(48 * 1024 * 1024);
    client.close();
  });
});
