import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason, Msg } from '../../src/protocol/numbers.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// A compression bomb against the server (security catalogue A32): one packet whose payload
// inflates past the 256 KiB packet limit ends the connection with COMPRESSION_ERROR, after the
// server has inflated at most the limit plus one 16 KiB chunk. The client's own deflater makes the
// bomb: 64 MiB of zeros in one SSH_MSG_IGNORE compress to about 64 KiB.

describe('compression bomb', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ server: { algorithms: { compression: ['zlib'] } } });
  });

  afterAll(() => server?.close());

  it('ends the connection with COMPRESSION_ERROR and bounded memory', async () => {
    const client = new RawClient(server.port, { offer: { compression: ['zlib'] } });
    try {
      await client.established;
      expect(client.transport.negotiated?.compressionClientToServer).toBe('zlib');
      // An honest packet first: the stream is in use when the bomb arrives.
      client.transport.send(Buffer.concat([Buffer.from([Msg.Ignore, 0, 0, 0, 5]), Buffer.from('hello')]));
      const bomb = Buffer.alloc(64 << 20);
      bomb[0] = Msg.Ignore;
      bomb.writeUInt32BE(bomb.length - 5, 1);
      const before = process.memoryUsage().arrayBuffers;
      client.transport.send(bomb);
      const reason = await client.closed;
      expect(reason?.sentByPeer).toBe(true);
      expect(reason?.reason).toBe(DisconnectReason.CompressionError);
      // The server runs in this process: it never held the 64 MiB the bomb inflates to (the
      // client's copy of the bomb is the only large buffer, and it is counted in `before`).
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    } finally {
      client.close();
    }
  });
});
