import { once } from 'node:events';
import { createServer, connect, type Socket, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FLUSH_AT_BYTES, SocketIo } from '../../../src/server/socket-io.js';

/** Both ends of every pair a test made, destroyed after it. */
const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.destroy();
});

/** A connection over 127.0.0.1: our end (TCP_NODELAY, as the server sets it) and what the peer has read. */
async function socketPair(): Promise<{ ours: Socket; received: () => number }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const ours = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  ours.setNoDelay(true);
  await once(ours, 'connect');
  const [peer] = await accepted;
  listener.close();
  let bytes = 0;
  peer.on('data', (d: Buffer) => (bytes += d.length));
  opened.push(ours, peer);
  return { ours, received: () => bytes };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SocketIo: one write per turn for small packets, at once for bulk data', () => {
  it('holds small packets until the turn ends, then sends them together', async () => {
    const { ours, received } = await socketPair();
    const io = new SocketIo(ours);
    for (let i = 0; i < 10; i++) io.write(Buffer.alloc(100, i));
    // Still corked: nothing has reached the kernel.
    expect(ours.writableLength).toBe(1000);
    await nextTurn();
    expect(ours.writableLength).toBe(0);
    await expect.poll(received).toBe(1000);
  });

  it('writes once the corked bytes reach a bulk packet, and corks what follows', async () => {
    const { ours, received } = await socketPair();
    const io = new SocketIo(ours);
    // (The kernel may take a write in part, so "left" is "fewer bytes wait than were written".)
    io.write(Buffer.alloc(FLUSH_AT_BYTES + 40));
    expect(ours.writableLength).toBeLessThan(FLUSH_AT_BYTES + 40);
    await expect.poll(received).toBe(FLUSH_AT_BYTES + 40);
    // Small packets joining up to the threshold leave together once they reach it.
    io.write(Buffer.alloc(FLUSH_AT_BYTES / 2));
    expect(ours.writableLength).toBe(FLUSH_AT_BYTES / 2);
    io.write(Buffer.alloc(FLUSH_AT_BYTES / 2));
    expect(ours.writableLength).toBeLessThan(FLUSH_AT_BYTES);
    const afterFlush = ours.writableLength;
    io.write(Buffer.alloc(50));
    expect(ours.writableLength).toBe(afterFlush + 50);
    await nextTurn();
    await expect.poll(received).toBe(2 * FLUSH_AT_BYTES + 90);
    expect(ours.writableLength).toBe(0);
    // The next turn corks afresh.
    io.write(Buffer.alloc(10));
    expect(ours.writableLength).toBe(10);
    await nextTurn();
    await expect.poll(received).toBe(2 * FLUSH_AT_BYTES + 100);
  });

  it('calls each write back once the kernel has its bytes', async () => {
    const { ours } = await socketPair();
    const io = new SocketIo(ours);
    const done: number[] = [];
    io.write(Buffer.alloc(10), () => done.push(1));
    io.write(Buffer.alloc(FLUSH_AT_BYTES), () => done.push(2));
    io.write(Buffer.alloc(10), () => done.push(3));
    await nextTurn();
    await expect.poll(() => done).toEqual([1, 2, 3]);
  });
});
