import { describe, expect, it } from 'vitest';
import { ChannelImpl, type ChannelLink } from '../../../src/connection/channel.js';
import { ChannelDataCodec } from '../../../src/connection/messages.js';
import type { ConnectionContext } from '../../../src/connection/types.js';
import { silentLogger } from '../../../src/log/logger.js';
import { Msg } from '../../../src/protocol/numbers.js';

function channel(remoteWindow = 4096): { ch: ChannelImpl; sent: Buffer[] } {
  const sent: Buffer[] = [];
  const link: ChannelLink = {
    send: (p) => sent.push(Buffer.from(p)),
    sendParts: (h, b) => sent.push(Buffer.concat([h, ...b])),
    whenWritable: () => undefined,
    release: () => undefined,
    log: silentLogger,
    handlerTimeoutMs: 1000,
  };
  const sizes = { localWindow: 1024, localMaxPacket: 512, remoteWindow, remoteMaxPacket: 1000 };
  const ch = new ChannelImpl(7, 70, 'session', {} as ConnectionContext, sizes, link);
  return { ch, sent };
}

const privateStreams = (ch: ChannelImpl) =>
  ch as unknown as { inputStream?: unknown; outputStream?: unknown; stderrStream?: unknown };

describe('channel streams made on first use', () => {
  it('an idle channel holds no stream, and closing it still sends EOF then CLOSE', async () => {
    const { ch, sent } = channel();
    expect(privateStreams(ch).inputStream).toBeUndefined();
    expect(privateStreams(ch).outputStream).toBeUndefined();
    expect(privateStreams(ch).stderrStream).toBeUndefined();
    await ch.close();
    expect(sent.map((p) => p[0])).toEqual([Msg.ChannelEof, Msg.ChannelClose]);
  });

  it('data that arrives before anyone reads is kept for the reader, and EOF after it', async () => {
    const { ch } = channel();
    ch.onData(Buffer.from('hello '), undefined);
    ch.onData(Buffer.from('world'), undefined);
    ch.onEof();
    const chunks: Buffer[] = [];
    for await (const c of ch.input) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
  });

  it('input first touched after EOF ends at once', async () => {
    const { ch } = channel();
    ch.onEof();
    const chunks: unknown[] = [];
    for await (const c of ch.input) chunks.push(c);
    expect(chunks).toEqual([]);
  });

  it('data for more than one packet goes to a link that seals in batches two packets at a time, in order', async () => {
    const { ch, sent } = channel(3200);
    const batches: number[] = [];
    const link = (ch as unknown as { link: ChannelLink }).link as {
      -readonly [K in keyof ChannelLink]: ChannelLink[K];
    };
    link.sendPartsBatch = (packets) => {
      batches.push(packets.length);
      for (const { head, body } of packets) sent.push(Buffer.concat([head, ...body]));
    };
    const data = Buffer.from(Array.from({ length: 4500 }, (_, i) => i % 251));
    const written = new Promise<void>((r) => ch.output.write(data, () => r()));
    await new Promise((r) => setImmediate(r));
    // 3,200 bytes of window: two packets of 1,000, then 1,000 and the 200 of window left, each
    // pair handed over together; the rest waits for window.
    expect(batches).toEqual([2, 2]);
    expect(sent.map((p) => ChannelDataCodec.decode(p).data.length)).toEqual([1000, 1000, 1000, 200]);
    ch.onWindowAdjust(5000);
    await written;
    expect(batches).toEqual([2, 2, 2]); // the last 1,300: 1,000 and 300, together
    const decoded = sent.map((p) => ChannelDataCodec.decode(p));
    expect(decoded.map((d) => d.data.length)).toEqual([1000, 1000, 1000, 200, 1000, 300]);
    expect(Buffer.concat(decoded.map((d) => d.data)).equals(data)).toBe(true);
  });

  it('output made late still splits by the peer packet size', async () => {
    const { ch, sent } = channel();
    await new Promise<void>((r) => ch.output.write(Buffer.alloc(2500, 1), () => r()));
    const data = sent.map((p) => ChannelDataCodec.decode(p));
    expect(data.map((d) => d.data.length)).toEqual([1000, 1000, 500]);
    expect(data.every((d) => d.recipientChannel === 70)).toBe(true);
  });

  it('writes buffered together fill whole packets across write boundaries, each called back', async () => {
    const { ch, sent } = channel();
    const writes = [Buffer.alloc(700, 1), Buffer.alloc(700, 2), Buffer.alloc(700, 3)];
    const called: number[] = [];
    ch.output.cork();
    const done = writes.map(
      (w, i) => new Promise<void>((r) => ch.output.write(w, () => (called.push(i), r()))),
    );
    ch.output.uncork();
    await Promise.all(done);
    const data = sent.map((p) => ChannelDataCodec.decode(p));
    expect(data.map((d) => d.data.length)).toEqual([1000, 1000, 100]);
    expect(Buffer.concat(data.map((d) => d.data))).toEqual(Buffer.concat(writes));
    expect(called).toEqual([0, 1, 2]);
  });

  it('a packet spanning writes waits for window space, and the writes call back only once sent', async () => {
    const { ch, sent } = channel(1500);
    const writes = [Buffer.alloc(900, 1), Buffer.alloc(900, 2)];
    let called = 0;
    ch.output.cork();
    for (const w of writes) ch.output.write(w, () => called++);
    ch.output.uncork();
    await new Promise((r) => setImmediate(r));
    expect(sent.map((p) => ChannelDataCodec.decode(p).data.length)).toEqual([1000, 500]);
    expect(called).toBe(0);
    ch.onWindowAdjust(1000);
    await new Promise((r) => setImmediate(r));
    const data = sent.map((p) => ChannelDataCodec.decode(p).data);
    expect(data.map((d) => d.length)).toEqual([1000, 500, 300]);
    expect(Buffer.concat(data)).toEqual(Buffer.concat(writes));
    expect(called).toBe(2);
  });
});
