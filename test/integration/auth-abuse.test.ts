import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { UserauthFailure } from '../../src/auth/messages.js';
import type { AuthBackend, AuthenticatedUser } from '../../src/auth/types.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { DisconnectReason, Msg } from '../../src/protocol/numbers.js';
import { noneRequest, passwordRequest, signedPublicKeyRequest } from '../helpers/raw-auth.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Authentication abuse (issue 4, security catalogue §5(b)).

const ed25519 = createDefaultRegistries().hostKey.get('ssh-ed25519')!;

async function authClient(port: number): Promise<RawClient> {
  const client = new RawClient(port);
  await client.established;
  await client.requestService('ssh-userauth');
  return client;
}

describe('authentication under abuse', () => {
  let server: TestServer;
  let key: PrivateKey;

  beforeAll(async () => {
    key = await generatePrivateKey('ed25519');
    server = await startTestServer({ users: [{ name: 'alice', password: 'right', keys: [key] }] });
  });
  afterAll(() => server?.close());

  it('answers an unknown user and a wrong password with byte-identical failures', async () => {
    const a = await authClient(server.port);
    a.transport.send(passwordRequest('alice', 'wrong'));
    const wrongPassword = await a.next();
    const b = await authClient(server.port);
    b.transport.send(passwordRequest('mallory', 'wrong'));
    const unknownUser = await b.next();
    expect(wrongPassword?.[0]).toBe(Msg.UserauthFailure);
    expect(unknownUser).toEqual(wrongPassword);
    a.close();
    b.close();
  });

  it('ends the connection at the 7th try', async () => {
    const client = await authClient(server.port);
    for (let i = 0; i < 6; i++) {
      client.transport.send(passwordRequest('alice', `wrong${i}`));
      expect((await client.next())?.[0]).toBe(Msg.UserauthFailure);
    }
    client.transport.send(passwordRequest('alice', 'right'));
    expect(await client.next()).toBeUndefined();
    expect(client.disconnectReason?.reason).toBe(DisconnectReason.NoMoreAuthMethodsAvailable);
  });

  it('does not count the first none request', async () => {
    const client = await authClient(server.port);
    client.transport.send(noneRequest('alice'));
    expect((await client.next())?.[0]).toBe(Msg.UserauthFailure);
    for (let i = 0; i < 5; i++) {
      client.transport.send(passwordRequest('alice', `wrong${i}`));
      await client.next();
    }
    client.transport.send(passwordRequest('alice', 'right'));
    expect((await client.next())?.[0]).toBe(Msg.UserauthSuccess);
    client.close();
  });

  it.each([
    ['USERAUTH_SUCCESS', Buffer.from([Msg.UserauthSuccess])],
    ['USERAUTH_FAILURE', Buffer.from([Msg.UserauthFailure, 0, 0, 0, 0, 0])],
    ['GLOBAL_REQUEST', Buffer.from([Msg.GlobalRequest, 0, 0, 0, 1, 0x78, 1])],
    ['CHANNEL_OPEN', Buffer.from([Msg.ChannelOpen, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  ])('ends the connection when the client sends %s before authenticating', async (_name, payload) => {
    const client = await authClient(server.port);
    client.transport.send(payload);
    expect(await client.next()).toBeUndefined();
    expect(client.disconnectReason?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('refuses a signature made for another session', async () => {
    const first = await authClient(server.port);
    const second = await authClient(server.port);
    // Signed over the first connection's session id, sent on the second.
    second.transport.send(signedPublicKeyRequest('alice', key, ed25519, first.transport.sessionId!));
    expect((await second.next())?.[0]).toBe(Msg.UserauthFailure);
    first.transport.send(signedPublicKeyRequest('alice', key, ed25519, first.transport.sessionId!));
    expect((await first.next())?.[0]).toBe(Msg.UserauthSuccess);
    first.close();
    second.close();
  });

  it('refuses a change of user name between attempts', async () => {
    const client = await authClient(server.port);
    client.transport.send(passwordRequest('alice', 'wrong'));
    await client.next();
    client.transport.send(passwordRequest('bob', 'wrong'));
    expect(await client.next()).toBeUndefined();
    expect(client.disconnectReason?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('fails a password over 1 KiB without hashing it, like any failure', async () => {
    const client = await authClient(server.port);
    const started = performance.now();
    client.transport.send(passwordRequest('alice', Buffer.alloc(1025, 0x61)));
    expect((await client.next())?.[0]).toBe(Msg.UserauthFailure);
    expect(performance.now() - started).toBeLessThan(1000);
    client.close();
  });

  it("delays a user's failures by the same amount on every connection (one timing secret per server)", async () => {
    // Each failure waits until 5 ms plus 0–4.2 ms derived from the user name and the server's
    // secret (as OpenSSH's user_specific_delay), and never less: a timer that fires early (they
    // count whole milliseconds from a cached clock) is slept again. Scheduling only adds time, so
    // the fastest of a few failures on one connection is its delay; with a secret per connection
    // the delays would spread over the 4.2 ms range.
    const fastest: number[] = [];
    for (let c = 0; c < 5; c++) {
      const client = await authClient(server.port);
      let best = Infinity;
      // Six tries each, all MaxAuthTries allows, so a loaded machine still gives each
      // connection one unhindered failure.
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        client.transport.send(noneRequest('mallory'));
        expect((await client.next())?.[0]).toBe(Msg.UserauthFailure);
        best = Math.min(best, performance.now() - started);
      }
      fastest.push(best);
      client.close();
    }
    expect(Math.min(...fastest)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...fastest) - Math.min(...fastest)).toBeLessThan(1);
  });

  it('takes requests strictly one at a time: a pipelined burst yields exactly one success', async () => {
    const client = await authClient(server.port);
    for (const pw of ['a', 'b', 'right', 'c']) client.transport.send(passwordRequest('alice', pw));
    const replies = [await client.next(), await client.next(), await client.next()];
    expect(replies.map((r) => r?.[0])).toEqual([
      Msg.UserauthFailure,
      Msg.UserauthFailure,
      Msg.UserauthSuccess,
    ]);
    client.close();
  });
});

describe('login grace time', () => {
  it('ends a connection whose user store never answers', async () => {
    const hanging: AuthBackend<AuthenticatedUser> = {
      progress: async () => ({ complete: false, next: ['password'] }),
      verifyPassword: () => new Promise<boolean>(() => undefined),
      acceptsPublicKey: async () => false,
      login: async () => undefined,
    };
    const server = await startTestServer({ server: { loginGraceTime: 1, authBackend: hanging } });
    const client = await authClient(server.port);
    const started = Date.now();
    client.transport.send(passwordRequest('alice', 'whatever'));
    expect(await client.next(5000)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(client.disconnectReason?.reason).toBe(DisconnectReason.ByApplication);
    await server.close();
  });
});

describe('a login the backend refuses after its method succeeded', () => {
  it('answers FAILURE listing the methods left, so the client can go on', async () => {
    // As when a security key's signature verifies but lacks the touch its key line requires.
    const refusing: AuthBackend<AuthenticatedUser> = {
      progress: async (_user, completed) =>
        completed.length > 0 ? { complete: true } : { complete: false, next: ['publickey', 'password'] },
      verifyPassword: async () => true,
      acceptsPublicKey: async () => false,
      login: async () => undefined,
    };
    const server = await startTestServer({ server: { authBackend: refusing } });
    try {
      const client = await authClient(server.port);
      client.transport.send(passwordRequest('alice', 'right'));
      const reply = await client.next();
      expect(reply?.[0]).toBe(Msg.UserauthFailure);
      expect(UserauthFailure.decode(reply!)).toEqual({
        authentications: ['publickey', 'password'],
        partialSuccess: false,
      });
      client.close();
    } finally {
      await server.close();
    }
  });
});
