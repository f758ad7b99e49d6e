import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ZlibCompressor, ZlibDecompressor, zlibCompression } from '../../src/algorithms/compression/index.js';
import { GlobalRequest } from '../../src/connection/messages.js';
import { Msg } from '../../src/protocol/numbers.js';
import { passwordRequest } from '../helpers/raw-auth.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Every key exchange starts new compression streams (as OpenSSH does). A deflate context holds
// about 256 KiB of native memory, so the streams replaced at a re-exchange, and those left when the
// connection closes, are freed at once rather than whenever the garbage collector gets to them.

describe('compression contexts', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice', password: 'pw' }],
      server: { algorithms: { compression: ['zlib'] } },
    });
  });
  afterAll(() => server?.close());

  it('frees the streams replaced at each re-exchange and those left at disconnect', async () => {
    const made = [
      vi.spyOn(zlibCompression, 'createCompressor'),
      vi.spyOn(zlibCompression, 'createDecompressor'),
    ];
    const freed = [
      vi.spyOn(ZlibCompressor.prototype, 'close'),
      vi.spyOn(ZlibDecompressor.prototype, 'close'),
    ];
    const count = (spies: { mock: { calls: unknown[] } }[]) =>
      spies.reduce((n, s) => n + s.mock.calls.length, 0);
    const client = new RawClient(server.port, { offer: { compression: ['zlib'] } });
    try {
      await client.established;
      await client.requestService('ssh-userauth');
      client.transport.send(passwordRequest('alice', 'pw'));
      expect((await client.next())?.[0]).toBe(Msg.UserauthSuccess);
      for (let i = 0; i < 2; i++) {
        client.transport.rekey();
        // Answered under the new keys: the exchange is complete on both sides.
        client.transport.send(
          GlobalRequest.encode({
            requestName: 'x@example.com',
            wantReply: true,
            requestSpecific: new Uint8Array(0),
          }),
        );
        expect((await client.next())?.[0]).toBe(Msg.RequestFailure);
      }
      // Both sides, three exchanges, one stream each way each time; the two replaced sets are freed.
      expect(count(made)).toBe(12);
      expect(count(freed)).toBe(8);
      client.transport.disconnect(11, 'bye');
      await client.closed;
      await vi.waitFor(() => expect(count(freed)).toBe(12));
    } finally {
      client.close();
      vi.restoreAllMocks();
    }
  });
});
