// A plugin that throws in setup, throws in a handler, rejects, answers garbage or never answers:
// only its own channel or request fails, the server stays up, other users keep working, and the
// log lines name the plugin.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChannel } from '../../plugins/kv-channel/client.js';
import { ChannelRequestMessage, GlobalRequest } from '../../src/connection/messages.js';
import { loadPlugins } from '../../src/plugins/loader.js';
import { Msg } from '../../src/protocol/numbers.js';
import { REPO_ROOT } from '../cli/helpers.js';
import { loggedInClient, openRawChannel } from '../helpers/raw-channel.js';
import type { RawClient } from '../helpers/raw-client.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { HOST } from './session-helpers.js';
import { errorsOf, preparePlugins, startPluginServer, type PluginServer } from './plugin-helpers.js';

/** A plugin with every way of failing, one handler each (plain JavaScript, no imports). */
const FAULTY = `
const never = () => new Promise(() => {});
export default {
  name: 'faulty',
  apiVersion: 1,
  setup(ctx) {
    ctx.subsystems.add({ name: 'throws@test', requires: 'none', start() { throw new Error('subsystem boom'); } });
    ctx.subsystems.add({ name: 'rejects@test', requires: 'none', async start() { throw new Error('subsystem rejected'); } });
    ctx.subsystems.add({ name: 'hangs@test', requires: 'none', start: never });
    ctx.channelTypes.add({ name: 'open-throws@test', open() { throw new Error('open boom'); } });
    ctx.channelTypes.add({ name: 'open-hangs@test', open: never });
    ctx.channelTypes.add({ name: 'open-garbage@test', async open() { return 'yes please'; } });
    ctx.channelTypes.add({ name: 'run-throws@test', async open() {
      return { ok: true, run: async () => { throw new Error('run boom'); } };
    } });
    ctx.channelTypes.add({ name: 'request-throws@test', async open() {
      return { ok: true, run: (channel) => {
        channel.onRequest(() => { throw new Error('request boom'); });
        channel.input.resume();
        return new Promise((resolve) => channel.input.on('end', resolve));
      } };
    } });
    ctx.globalRequests.add({ name: 'throws@test', handle() { throw new Error('global boom'); } });
    ctx.globalRequests.add({ name: 'hangs@test', handle: never });
    ctx.globalRequests.add({ name: 'garbage@test', async handle() { return 42; } });
    ctx.globalRequests.add({ name: 'fine@test', async handle() { return { ok: true }; } });
    ctx.shells.add({ name: 'faulty-exec', serves: ['exec'], accept(command) {
      switch (command.command) {
        case 'accept-throws': throw new Error('accept boom');
        case 'accept-rejects': return Promise.reject(new Error('accept rejected'));
        case 'accept-hangs': return never();
        case 'accept-garbage': return { kind: 'maybe' };
        case 'run-throws': return { kind: 'run', run() { throw new Error('run boom'); } };
        case 'run-rejects': return { kind: 'run', async run() { throw new Error('run rejected'); } };
        default: return { kind: 'decline' };
      }
    } });
    ctx.events.on('channel.open', () => { throw new Error('listener boom'); });
    ctx.events.on('auth.attempt', async () => { throw new Error('listener rejected'); });
  },
};
`;

/** Registers a subsystem, then throws: nothing of it may stay behind. */
const BAD_SETUP = `
export default {
  name: 'bad-setup',
  apiVersion: 1,
  setup(ctx) {
    ctx.subsystems.add({ name: 'before-boom@test', requires: 'none', async start() {} });
    throw new Error('setup boom');
  },
};
`;

describe('plugin faults are contained', () => {
  let ts: PluginServer;
  const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-faults-'));
  const clients: Client[] = [];
  const raws: RawClient[] = [];
  const failures = (pattern: RegExp) =>
    errorsOf(ts.log, 'faulty').filter((l) =>
      pattern.test(String((l.fields['err'] as Error | undefined)?.message)),
    );
  const stillServing = async () => {
    const [a, c] = await Promise.all([
      ts.ssh('alice', [HOST, 'echo', 'alice-ok']),
      ts.ssh('carol', [HOST, 'ignored']),
    ]);
    expect(a.stdout.toString()).toBe('alice-ok\n');
    expect(c.stdout.toString()).toBe('forced:ignored\n');
  };
  const ssh2 = async () => {
    const { client } = await connectSsh2(ts.port, { username: 'alice', password: 'pw' });
    clients.push(client);
    return client;
  };
  const raw = async () => {
    const client = await loggedInClient(ts.port);
    raws.push(client);
    return client;
  };

  beforeAll(async () => {
    await preparePlugins();
    writeFileSync(join(dir, 'faulty.mjs'), FAULTY);
    writeFileSync(join(dir, 'bad-setup.mjs'), BAD_SETUP);
    ts = await startPluginServer([{ path: join(dir, 'faulty.mjs') }], {
      connectionLimits: { handlerTimeoutMs: 1000 },
      pluginTimeouts: { decideMs: 300 },
    });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await Promise.all(clients.map((c) => endSsh2(c)));
    await ts?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a plugin that throws in setup is refused by name, and leaves nothing registered', async () => {
    await expect(
      loadPlugins(ts.server.plugins, [{ path: join(dir, 'bad-setup.mjs') }], {
        baseDir: REPO_ROOT,
        log: ts.log,
      }),
    ).rejects.toThrow(/^plugin bad-setup \(.*bad-setup\.mjs\): setup failed: setup boom$/);
    expect(ts.server.subsystems.get('before-boom@test')).toBeUndefined();
    expect(ts.server.plugins.get('bad-setup')).toBeUndefined();
    await stillServing();
  });

  it('subsystems that throw or reject fail their channel only (ssh -s)', async () => {
    for (const name of ['throws@test', 'rejects@test']) {
      const r = await ts.ssh('alice', ['-s', HOST, name], { input: 'x\n' });
      expect(r.code, name).not.toBe(0);
    }
    expect(failures(/subsystem boom/)).toHaveLength(1);
    expect(failures(/subsystem rejected/)).toHaveLength(1);
    await stillServing();
  });

  it('a subsystem that never answers holds only its channel, which the client can close', async () => {
    const client = await ssh2();
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.subsys('hangs@test', (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    const other = await new Promise<string>((resolve, reject) =>
      client.exec('echo same-connection', (err, ch) => {
        if (err) return reject(err);
        let out = '';
        ch.on('data', (d: Buffer) => (out += d.toString())).on('close', () => resolve(out));
      }),
    );
    expect(other).toBe('same-connection\n');
    await new Promise<void>((resolve) => {
      channel.on('close', () => resolve()).resume();
      channel.close();
    });
    await stillServing();
  });

  it('channel types that throw, hang or answer garbage refuse their open and name the plugin', async () => {
    const client = await ssh2();
    for (const [type, pattern] of [
      ['open-throws@test', /open boom/],
      ['open-hangs@test', /did not answer within 1000 ms/],
      ['open-garbage@test', /answered open\(\) with neither/],
    ] as const) {
      const err = await openChannel(client, type).then(
        () => undefined,
        (e: Error & { reason?: number }) => e,
      );
      expect(err?.reason, type).toBe(4); // RESOURCE_SHORTAGE "internal error"
      expect(failures(pattern), type).toHaveLength(1);
    }
    // ssh2 reports 'close' once the channel's data has been read to its end.
    const closed = await openChannel(client, 'run-throws@test');
    await new Promise<void>((resolve) => closed.on('close', () => resolve()).resume());
    expect(failures(/run boom/).some((l) => l.msg === 'channel handler failed')).toBe(true);
    await stillServing();
  });

  it('a channel request handler that throws is answered with failure and logged with the plugin', async () => {
    const client = await raw();
    const opened = await openRawChannel(client, 'request-throws@test');
    if ('failure' in opened) throw new Error('open refused');
    client.transport.send(
      ChannelRequestMessage.encode({
        recipientChannel: opened.serverId,
        requestType: 'poke@test',
        wantReply: true,
        typeSpecific: new Uint8Array(0),
      }),
    );
    expect((await client.next())?.[0]).toBe(Msg.ChannelFailure);
    expect(failures(/request boom/)).toHaveLength(1);
  });

  it('global requests that throw, hang or answer garbage get REQUEST_FAILURE, in order', async () => {
    const client = await raw();
    for (const name of ['throws@test', 'hangs@test', 'garbage@test', 'fine@test']) {
      client.transport.send(
        GlobalRequest.encode({ requestName: name, wantReply: true, requestSpecific: new Uint8Array(0) }),
      );
    }
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push((await client.next())?.[0]);
    expect(replies).toEqual([Msg.RequestFailure, Msg.RequestFailure, Msg.RequestFailure, Msg.RequestSuccess]);
    expect(failures(/global boom/)).toHaveLength(1);
    expect(failures(/global request hangs@test did not answer/)).toHaveLength(1);
    expect(failures(/global request "garbage@test" answered with neither/)).toHaveLength(1);
  });

  it('exec handlers that throw, reject, hang or answer garbage refuse the request; failing runs end the channel', async () => {
    const results = await Promise.all(
      ['accept-throws', 'accept-rejects', 'accept-hangs', 'accept-garbage', 'run-throws', 'run-rejects'].map(
        (c) => ts.ssh('alice', [HOST, c]),
      ),
    );
    for (const r of results) expect(r.code).not.toBe(0);
    expect(failures(/accept boom/)).toHaveLength(1);
    expect(failures(/accept rejected/)).toHaveLength(1);
    expect(failures(/shell handler faulty-exec did not answer within 300 ms/)).toHaveLength(1);
    expect(failures(/answered with neither \{ kind: 'run', run \}/)).toHaveLength(1);
    expect(failures(/^run boom$/).some((l) => l.msg === 'exec handler failed')).toBe(true);
    expect(failures(/run rejected/)).toHaveLength(1);
    await stillServing();
  });

  it('event listeners that throw or reject are logged with the plugin and change nothing', async () => {
    expect(failures(/listener boom/).length).toBeGreaterThan(0);
    expect(failures(/listener rejected/).length).toBeGreaterThan(0);
    expect(failures(/listener boom/)[0]?.msg).toBe('server event listener failed');
    await stillServing();
  });
});
