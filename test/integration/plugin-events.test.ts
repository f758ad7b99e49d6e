// Server events as a plugin sees them through ctx.events: connection.open, auth.attempt,
// channel.open, sftp.op and connection.close, from real ssh2 sessions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChannel } from '../../plugins/kv-channel/client.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { exec2 } from './session-helpers.js';
import { preparePlugins, startPluginServer, type PluginServer } from './plugin-helpers.js';

/** Subscribes to every server event and hands each to `options.sink`. */
const RECORDER = `
const EVENTS = ['connection.open', 'auth.attempt', 'channel.open', 'sftp.op', 'connection.close'];
export default {
  name: 'recorder',
  apiVersion: 1,
  setup(ctx) {
    for (const name of EVENTS) ctx.events.on(name, (e) => ctx.options.sink(name, e));
  },
};
`;

describe('server events seen by a plugin', () => {
  let ts: PluginServer;
  const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-events-'));
  const seen: [string, Record<string, unknown>][] = [];
  beforeAll(async () => {
    await preparePlugins();
    writeFileSync(join(dir, 'recorder.mjs'), RECORDER);
    ts = await startPluginServer([
      {
        path: join(dir, 'recorder.mjs'),
        options: { sink: (name: string, e: Record<string, unknown>) => seen.push([name, e]) },
      },
    ]);
  });
  afterAll(async () => {
    await ts?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a connection from open to close, with its logins, channels and SFTP requests', async () => {
    await expect(connectSsh2(ts.port, { username: 'alice', password: 'wrong' })).rejects.toThrow();
    const { client } = await connectSsh2(ts.port, { username: 'alice', password: 'pw' });
    await exec2(client, 'true');
    await openChannel(client, 'nobody@test').catch(() => undefined);
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((err, s) => (err ? reject(err) : resolve(s))),
    );
    await new Promise<void>((resolve, reject) =>
      sftp.mkdir('made-by-test', (err) => (err ? reject(err) : resolve())),
    );
    await endSsh2(client);
    await expect.poll(() => seen.filter(([n]) => n === 'connection.close').length).toBe(2);

    const of = (name: string) => seen.filter(([n]) => n === name).map(([, e]) => e);
    const [first, second] = of('connection.open');
    expect(first?.['conn']).toMatchObject({ remoteAddress: '127.0.0.1', localPort: ts.port });
    const conn = (second?.['conn'] as { id: string }).id;
    expect(of('auth.attempt')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'alice', method: 'password', result: 'failure' }),
        expect.objectContaining({
          username: 'alice',
          method: 'password',
          result: 'success',
          conn: expect.objectContaining({ id: conn }),
        }),
      ]),
    );
    expect(of('channel.open')).toEqual([
      expect.objectContaining({ type: 'session', accepted: true, user: 'alice', chan: expect.any(Number) }),
      expect.objectContaining({ type: 'nobody@test', accepted: false, user: 'alice' }),
      expect.objectContaining({ type: 'session', accepted: true, user: 'alice' }),
    ]);
    expect(of('sftp.op')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ op: 'MKDIR', path: '/made-by-test', status: 0, user: 'alice' }),
      ]),
    );
    expect(of('connection.close').at(-1)).toMatchObject({ user: 'alice', conn: { id: conn } });
  });
});
