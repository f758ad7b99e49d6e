import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeOpenSshPrivateKey } from '../../src/keys/openssh-key-v1.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// User authentication with the ssh2 npm client, a second independent implementation.

describe('ssh2 npm client logs in', () => {
  let server: TestServer;
  const keys = new Map<string, PrivateKey>();

  beforeAll(async () => {
    keys.set('ed25519', await generatePrivateKey('ed25519'));
    keys.set('ecdsa-p256', await generatePrivateKey('ecdsa', { bits: 256 }));
    keys.set('ecdsa-p521', await generatePrivateKey('ecdsa', { bits: 521 }));
    keys.set('rsa', await generatePrivateKey('rsa', { bits: 2048 }));
    server = await startTestServer({
      users: [
        { name: 'alice', password: 'pw', keys: [...keys.values()] },
        {
          name: 'carol',
          password: 'pw2',
          keys: [keys.get('ed25519')!],
          authMethods: [['publickey', 'password']],
        },
      ],
    });
  });
  afterAll(() => server?.close());

  const privateKeyText = (label: string) => encodeOpenSshPrivateKey(keys.get(label)!);

  it('with a password', async () => {
    const { client } = await connectSsh2(server.port, { password: 'pw' });
    await endSsh2(client);
  });

  for (const label of ['ed25519', 'ecdsa-p256', 'ecdsa-p521', 'rsa']) {
    it(`with a ${label} key`, async () => {
      const { client } = await connectSsh2(server.port, { privateKey: privateKeyText(label) });
      await endSsh2(client);
    });
  }

  it('with keyboard-interactive', async () => {
    const answered = await new Promise<string[]>((resolve, reject) => {
      {
        const c = new Client();
        const prompts: string[] = [];
        c.on('keyboard-interactive', (_name, _instructions, _lang, list, finish) => {
          prompts.push(...list.map((p) => p.prompt));
          finish(['pw']);
        });
        c.on('ready', () => {
          c.end();
          resolve(prompts);
        });
        c.on('error', reject);
        c.connect({
          host: '127.0.0.1',
          port: server.port,
          username: 'alice',
          tryKeyboard: true,
          authHandler: ['keyboard-interactive'],
        });
      }
    });
    expect(answered).toEqual(['Password: ']);
  });

  it('with a publickey,password chain', async () => {
    const { client } = await connectSsh2(server.port, {
      username: 'carol',
      authHandler: [
        { type: 'publickey', username: 'carol', key: privateKeyText('ed25519') },
        { type: 'password', username: 'carol', password: 'pw2' },
      ],
    } as never);
    await endSsh2(client);
  });

  it.each([
    ['a wrong password', { password: 'nope' }],
    ['an unknown user', { username: 'nobody', password: 'pw' }],
  ])('fails with %s', async (_name, config) => {
    await expect(connectSsh2(server.port, config)).rejects.toThrow(
      /All configured authentication methods failed/,
    );
  });

  it('fails the chain with the key alone', async () => {
    await expect(
      connectSsh2(server.port, { username: 'carol', privateKey: privateKeyText('ed25519') }),
    ).rejects.toThrow(/authentication methods failed/);
  });
});
