import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error ssh2 ships no types for its protocol constants.
import ssh2Constants from 'ssh2/lib/protocol/constants.js';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';

// The ssh2 npm client, a second independent implementation, over the algorithms it shares with
// our registry; and repeated client-initiated rekeys on one authenticated connection.

const { SUPPORTED_KEX, SUPPORTED_CIPHER, SUPPORTED_MAC, SUPPORTED_SERVER_HOST_KEY } = ssh2Constants as Record<
  string,
  string[]
>;
const registries = createDefaultRegistries();
const shared = (names: string[], theirs: string[]) => names.filter((n) => theirs.includes(n));
const kexes = shared(registries.kex.names('all'), SUPPORTED_KEX!).filter(
  (n) => registries.kex.statusOf(n) !== 'legacy',
);
const ciphers = shared(registries.cipher.names('default'), SUPPORTED_CIPHER!);
const macs = shared(registries.mac.names('default'), SUPPORTED_MAC!);
const hostKeys = shared(registries.hostKey.names('default'), SUPPORTED_SERVER_HOST_KEY!);

describe('ssh2 npm client × transport', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice', password: 'pw' }],
      server: {
        algorithms: { kexAlgorithms: kexes },
        hostKeys: [
          ...(await testHostKeys()),
          await generatePrivateKey('ecdsa', { bits: 384 }),
          await generatePrivateKey('ecdsa', { bits: 521 }),
        ],
      },
    });
  });
  afterAll(() => server?.close());

  const login = (algorithms: Record<string, string[]>) =>
    connectSsh2(server.port, { password: 'pw', algorithms });

  for (const kex of kexes) {
    it(`kex ${kex}`, async () => {
      const { client, negotiated } = await login({ kex: [kex] });
      expect(negotiated.kex).toBe(kex);
      await endSsh2(client);
    });
  }
  for (const hostKey of hostKeys) {
    it(`host key ${hostKey}`, async () => {
      const { client, negotiated } = await login({ serverHostKey: [hostKey] });
      expect(negotiated.serverHostKey).toBe(hostKey);
      await endSsh2(client);
    });
  }
  for (const cipher of ciphers) {
    it(`cipher ${cipher}`, async () => {
      const { client, negotiated } = await login({ cipher: [cipher] });
      expect((negotiated.cs as { cipher: string }).cipher).toBe(cipher);
      await endSsh2(client);
    });
  }
  for (const mac of macs) {
    it(`mac ${mac}`, async () => {
      const { client, negotiated } = await login({ cipher: ['aes256-ctr'], hmac: [mac] });
      expect((negotiated.sc as { mac: string }).mac).toBe(mac);
      await endSsh2(client);
    });
  }

  it('survives 10 client-initiated rekeys in a row on one connection', async () => {
    const { client } = await login({ cipher: ['aes128-gcm@openssh.com'] });
    // ssh2's Client has no public rekey(); its protocol object starts one and 'handshake' ends it.
    // Ten back to back is what the server allows without traffic between them (`PeerLimits`).
    const protocol = (client as unknown as { _protocol: { rekey(): void } })._protocol;
    for (let i = 0; i < 10; i++) {
      const done = new Promise<void>((resolve) => client.once('handshake', () => resolve()));
      protocol.rekey();
      await done;
    }
    // The connection still answers: a channel open is answered (refused: nothing listens on port 1).
    const err = await new Promise<Error>((resolve) =>
      client.forwardOut('127.0.0.1', 1, '127.0.0.1', 1, (e) => resolve(e!)),
    );
    expect(err.message).toMatch(/open fail/i);
    await endSsh2(client);
  });
});
