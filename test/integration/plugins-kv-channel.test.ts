import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChannel, openKv } from '../../plugins/kv-channel/client.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { preparePlugins, startPluginServer, type PluginServer } from './plugin-helpers.js';

describe('example plugin: kv@sshd-kit channel type (ssh2 client)', () => {
  let ts: PluginServer;
  const clients: Client[] = [];
  const login = async (username: string) => {
    const { client } = await connectSsh2(ts.port, { username, password: 'pw' });
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    await preparePlugins();
    ts = await startPluginServer([{ path: './plugins/kv-channel', options: { maxKeys: 3, maxLine: 64 } }]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => endSsh2(c)));
    await ts?.close();
  });

  it('registers its channel type', () => {
    expect(ts.report.installed[0]?.registrations.channelTypes).toEqual(['kv@sshd-kit']);
  });

  it('answers SET, GET, DEL and KEYS in order, one reply line each', async () => {
    const kv = await openKv(await login('alice'));
    expect(await kv.send('SET colour deep blue')).toBe('OK');
    expect(await kv.send('SET size 3')).toBe('OK');
    expect(await kv.send('GET colour')).toBe('VALUE deep blue');
    expect(await kv.send('KEYS')).toBe('KEYS colour size');
    expect(await kv.send('DEL size')).toBe('OK');
    expect(await kv.send('GET size')).toBe('NOT_FOUND');
    expect(await kv.send('FLY away')).toBe('ERR unknown command "FLY"');
    kv.close();
  });

  it('keeps each user’s store across channels and connections, separate from others', async () => {
    const first = await openKv(await login('carol'));
    expect(await first.send('SET k carol-value')).toBe('OK');
    first.close();
    const second = await openKv(await login('carol'));
    expect(await second.send('GET k')).toBe('VALUE carol-value');
    const alice = await openKv(await login('alice'));
    expect(await alice.send('GET k')).toBe('NOT_FOUND');
  });

  it('bounds the store and the line length from its options', async () => {
    const kv = await openKv(await login('carol'));
    await kv.send('SET a 1');
    await kv.send('SET b 2');
    expect(await kv.send('SET c 3')).toBe('ERR full (3 keys)');
    expect(await kv.send(`SET long ${'x'.repeat(200)}`)).toBe('ERR line longer than 64 bytes');
    expect(await kv.send('GET a')).toBe('VALUE 1');
  });

  it('refuses an account without the exec permission with ADMINISTRATIVELY_PROHIBITED', async () => {
    const client = await login('bob');
    const err = await openChannel(client, 'kv@sshd-kit').then(
      () => undefined,
      (e: Error & { reason?: number }) => e,
    );
    expect(err?.reason).toBe(1);
    expect(err?.message).toMatch(/kv needs the exec permission/);
  });

  it('closes the channel when the client ends its input', async () => {
    const channel = await openChannel(await login('alice'), 'kv@sshd-kit');
    const closed = new Promise<string>((resolve) => {
      let out = '';
      channel.on('data', (d: Buffer) => (out += d.toString()));
      channel.on('close', () => resolve(out));
    });
    channel.end('GET colour\n');
    expect(await closed).toBe('VALUE deep blue\n');
  });
});
