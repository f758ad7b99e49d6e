import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Msg } from '../../src/protocol/numbers.js';
import { passwordRequest } from '../helpers/raw-auth.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Brute force across connections from one source (catalogue B02): after enough failed
// connections the source is refused before the banner, for a while.

const refusedBeforeBanner = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    let banner = '';
    s.on('data', (d) => (banner += d.toString()));
    s.on('close', () => resolve(!banner.startsWith('SSH-')));
    s.on('error', () => undefined);
    setTimeout(() => s.destroy(), 1000);
  });

describe('per-source penalties', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Loopback is exempt by default; these tests are the one place it must not be.
    server = await startTestServer({
      users: [{ name: 'alice', password: 'pw' }],
      server: { penalties: { exempt: '', min: 4, authfail: 2 } },
    });
  });
  afterAll(() => server?.close());

  it('refuses a source that keeps failing, before any banner', async () => {
    for (let i = 0; i < 3; i++) {
      const client = new RawClient(server.port);
      await client.established;
      await client.requestService('ssh-userauth');
      client.transport.send(passwordRequest('alice', 'wrong'));
      expect((await client.next())?.[0]).toBe(Msg.UserauthFailure);
      client.close();
      await client.closed;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await refusedBeforeBanner(server.port)).toBe(true);
  });
});
