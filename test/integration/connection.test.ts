import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelDataCodec, ChannelWindowAdjust } from '../../src/connection/messages.js';
import type { ChannelTypeHandler } from '../../src/connection/types.js';
import { ChannelOpenFailure, DisconnectReason, Msg } from '../../src/protocol/numbers.js';
import { adjustWindow, loggedInClient, openRawChannel, sendData } from '../helpers/raw-channel.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The connection layer (RFC 4254 §5) with channel types registered by the test, exactly as a
// plugin would: windows and packet sizes enforced both ways, unknown ids refused, handlers that
// throw or hang contained to their channel.

const echo: ChannelTypeHandler = {
  name: 'echo@test',
  async open() {
    return {
      ok: true,
      run: (channel) => new Promise((resolve) => channel.input.pipe(channel.output).on('finish', resolve)),
    };
  },
};
const throwing: ChannelTypeHandler = {
  name: 'throws@test',
  async open() {
    throw new Error('plugin bug');
  },
};
const hanging: ChannelTypeHandler = { name: 'hangs@test', open: () => new Promise(() => undefined) };
/** Accepts, then never reads its input. */
const deaf: ChannelTypeHandler = {
  name: 'deaf@test',
  async open() {
    return {
      ok: true,
      run: (channel) => new Promise((resolve) => channel.signal.addEventListener('abort', () => resolve())),
    };
  },
};
const refusing: ChannelTypeHandler = {
  name: 'refuses@test',
  async open() {
    return { ok: false, reason: ChannelOpenFailure.AdministrativelyProhibited, description: 'no' };
  },
};
/** Accepts, and hands the test the connection's signal as its handler sees it. */
const signals: AbortSignal[] = [];
const watching: ChannelTypeHandler = {
  name: 'watches@test',
  async open(_request, conn) {
    signals.push(conn.signal);
    return {
      ok: true,
      run: () => new Promise((resolve) => conn.signal.addEventListener('abort', () => resolve())),
    };
  },
};
const failingRun: ChannelTypeHandler = {
  name: 'run-throws@test',
  async open() {
    return { ok: true, run: async () => Promise.reject(new Error('plugin bug in run')) };
  },
};

describe('connection layer', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice', password: 'pw' }],
      server: { connectionLimits: { handlerTimeoutMs: 500, windowSize: 64 * 1024, maxPacket: 16 * 1024 } },
      setup: (s) => {
        for (const h of [echo, throwing, hanging, refusing, failingRun, deaf, watching])
          s.channelTypes.add(h, 'test');
      },
    });
  });
  afterAll(() => server?.close());

  it('echoes data through a registered channel type', async () => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'echo@test');
    if (!('serverId' in ch)) throw new Error('open failed');
    expect(ch.window).toBe(64 * 1024);
    expect(ch.maxPacket).toBe(16 * 1024);
    sendData(client, ch.serverId, Buffer.from('hello'));
    const reply = await client.next();
    expect(ChannelDataCodec.decode(reply!).data.toString()).toBe('hello');
    client.close();
  });

  it.each([
    ['an unknown type', 'nope@test', ChannelOpenFailure.UnknownChannelType],
    ['a handler that refuses', 'refuses@test', ChannelOpenFailure.AdministrativelyProhibited],
    ['a handler that throws', 'throws@test', ChannelOpenFailure.ResourceShortage],
    ['a handler that never answers', 'hangs@test', ChannelOpenFailure.ResourceShortage],
  ])('answers %s with OPEN_FAILURE and keeps the connection', async (_name, type, reason) => {
    const client = await loggedInClient(server.port);
    const result = await openRawChannel(client, type);
    expect('failure' in result && result.failure[0]).toBe(Msg.ChannelOpenFailure);
    if ('failure' in result) expect(result.failure.readUInt32BE(5)).toBe(reason);
    const ok = await openRawChannel(client, 'echo@test', { id: 1 });
    expect('serverId' in ok).toBe(true);
    client.close();
  });

  it('closes the channel, not the connection, when its handler throws while running', async () => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'run-throws@test');
    expect('serverId' in ch).toBe(true);
    const types: number[] = [];
    for (let m = await client.next(); m && m[0] !== Msg.ChannelClose; m = await client.next())
      types.push(m[0]!);
    expect(client.transport.isOpen).toBe(true);
    client.close();
  });

  it("gives handlers the connection's signal, one per connection, aborted when it ends", async () => {
    const client = await loggedInClient(server.port);
    for (let i = 0; i < 2; i++)
      expect('serverId' in (await openRawChannel(client, 'watches@test'))).toBe(true);
    expect(signals).toHaveLength(2);
    expect(signals[0]).toBe(signals[1]);
    expect(signals[0]!.aborted).toBe(false);
    client.close();
    await expect.poll(() => signals[0]!.aborted).toBe(true);
  });

  it('disconnects a client that sends more than the window', async () => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'deaf@test');
    if (!('serverId' in ch)) throw new Error('open failed');
    // Our window is 64 KiB and the handler never reads, so the fifth 16 KiB packet overruns it.
    for (let i = 0; i < 5; i++) sendData(client, ch.serverId, Buffer.alloc(16 * 1024));
    expect((await client.closed)?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('disconnects a client that sends a packet over the maximum size', async () => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'echo@test');
    if (!('serverId' in ch)) throw new Error('open failed');
    sendData(client, ch.serverId, Buffer.alloc(16 * 1024 + 1));
    expect((await client.closed)?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it.each([
    ['data', (id: number) => ChannelDataCodec.encode(id, Buffer.from('x'))],
    ['a window adjust', (id: number) => ChannelWindowAdjust.encode({ recipientChannel: id, bytesToAdd: 1 })],
  ])('disconnects on %s for a channel that does not exist', async (_name, encode) => {
    const client = await loggedInClient(server.port);
    client.transport.send(encode(0xffffffff));
    expect((await client.closed)?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it.each([
    ['truncated success', Buffer.from([Msg.ChannelSuccess, 0, 0])],
    ['with trailing bytes', Buffer.from([Msg.ChannelFailure, 0, 0, 0, 0, 0])],
    ['truncated open confirmation', Buffer.from([Msg.ChannelOpenConfirmation, 0, 0])],
    ['truncated open failure', Buffer.from([Msg.ChannelOpenFailure, 0, 0, 0, 0, 0, 0])],
  ])('disconnects on a channel reply %s as malformed', async (_name, payload) => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'echo@test');
    if (!('serverId' in ch)) throw new Error('open failed');
    client.transport.send(payload);
    const reason = await client.closed;
    expect(reason?.reason).toBe(DisconnectReason.ProtocolError);
    expect(reason?.message).toMatch(/malformed/);
  });

  it('disconnects on a window adjust past 2^32-1', async () => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'echo@test', { window: 0xffff0000 });
    if (!('serverId' in ch)) throw new Error('open failed');
    adjustWindow(client, ch.serverId, 0x10000);
    expect((await client.closed)?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('stops taking data when its output to the client is blocked, with bounded buffering', async () => {
    const client = await loggedInClient(server.port);
    const ch = await openRawChannel(client, 'echo@test', { window: 0 });
    if (!('serverId' in ch)) throw new Error('open failed');
    // The client grants no window, so nothing can be echoed; send for as long as the server's
    // window allows and count what it takes in.
    let window = ch.window;
    let sent = 0;
    const chunk = 16 * 1024;
    for (let idle = 0; idle < 3;) {
      while (window >= chunk) {
        sendData(client, ch.serverId, Buffer.alloc(chunk, sent / chunk));
        window -= chunk;
        sent += chunk;
      }
      const m = await client.next(300).catch(() => undefined);
      if (m?.[0] === Msg.ChannelWindowAdjust) window += ChannelWindowAdjust.decode(m).bytesToAdd;
      else idle++;
    }
    // What the server holds: its 64 KiB window, plus the echo's output buffer (256 KiB) and one chunk.
    expect(sent).toBeLessThanOrEqual(64 * 1024 + 256 * 1024 + 2 * chunk);
    // Granting window drains everything, in order.
    adjustWindow(client, ch.serverId, 1024 * 1024);
    const echoed: Buffer[] = [];
    let total = 0;
    while (total < sent) {
      const m = await client.next();
      if (m?.[0] === Msg.ChannelData) {
        const d = ChannelDataCodec.decode(m).data;
        echoed.push(Buffer.from(d));
        total += d.length;
      }
    }
    const all = Buffer.concat(echoed);
    for (let i = 0; i < sent / chunk; i++) expect(all[i * chunk]).toBe(i);
    client.close();
  });
});
