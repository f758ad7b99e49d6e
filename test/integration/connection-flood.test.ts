import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlobalRequest } from '../../src/connection/messages.js';
import { Msg } from '../../src/protocol/numbers.js';
import { loggedInClient } from '../helpers/raw-channel.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Security catalogue C14: a client floods want-reply requests and never reads the answers. The
// server must stop reading from it once its unsent output passes a bound, instead of queueing
// replies without limit; once the client reads again, every reply arrives.

describe('a client that floods requests and does not read', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: [{ name: 'alice', password: 'pw' }] });
  });
  afterAll(() => server?.close());

  it('is throttled by TCP instead of filling the server memory, and loses no reply', async () => {
    const client = await loggedInClient(server.port);
    client.socket.pause();
    // A long request name makes each request cheap to send but still answered.
    const request = GlobalRequest.encode({
      requestName: 'x@flood',
      wantReply: true,
      requestSpecific: Buffer.alloc(0),
    });
    let sent = 0;
    const limit = 2_000_000;
    const stuckSince = { at: 0 };
    while (sent < limit) {
      for (let i = 0; i < 1000; i++) client.transport.send(request);
      sent += 1000;
      if (client.socket.writableLength > 2 * 1024 * 1024) {
        // The server has stopped reading: wait a little to be sure it stays stopped.
        stuckSince.at ||= Date.now();
        await new Promise((r) => setTimeout(r, 100));
        if (Date.now() - stuckSince.at > 500) break;
      } else {
        stuckSince.at = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
    // Kernel socket buffers hold some; the server's own queue is bounded, so sending stalls.
    expect(sent).toBeLessThan(limit);
    client.socket.resume();
    let failures = 0;
    while (failures < sent) {
      const m = await client.next(20_000);
      if (m?.[0] === Msg.RequestFailure) failures++;
      else if (m === undefined) break;
    }
    expect(failures).toBe(sent);
    client.close();
  }, 120_000);
});
