import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTPUT_READ_SIZE, readOutputInto, SMALL_READ_SIZE } from '../../../src/session/output-reader.js';
import { loadNativeProcessSpawn } from '../../../src/session/spawn.js';

// The native start hands out the server's end of the child's stdout as a bare descriptor.
const native = loadNativeProcessSpawn({});

const running: number[] = [];
afterEach(() => {
  for (const pid of running.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Starts `sh -c script` and returns its stdout descriptor (stdin and stderr closed). */
function childOutput(script: string): number {
  const started = native!.spawnProcess('/bin/sh', ['sh', '-c', script], [], '/', () => undefined);
  if (typeof started === 'number') throw new Error(`spawn failed: ${started}`);
  const [pid, stdin, stdout, stderr] = started;
  running.push(pid);
  closeSync(stdin);
  closeSync(stderr);
  return stdout;
}

/** What `seq 1 N` prints. */
function seqOutput(n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${i}\n`;
  return s;
}

const ended = (socket: Socket) => new Promise<void>((resolve) => socket.once('end', resolve));

describe.skipIf(!native)('readOutputInto', () => {
  it('reads through the same buffer while the sink copies each chunk before calling back', async () => {
    const copies: Buffer[] = [];
    const handed = new Set<ArrayBufferLike>();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        handed.add(chunk.buffer);
        copies.push(Buffer.from(chunk));
        done();
      },
    });
    const socket = readOutputInto(childOutput('seq 1 400000'), sink);
    await ended(socket);
    expect(Buffer.concat(copies).equals(Buffer.from(seqOutput(400000)))).toBe(true);
    expect(copies.length).toBeGreaterThan(40);
    // A page to start with, then a full-size buffer (and a page again after any small read).
    expect(handed.size).toBeLessThan(copies.length / 10);
    expect(sink.writableEnded).toBe(false);
  });

  it('reads a quiet process into a page, and a bulk one into OUTPUT_READ_SIZE once a read fills the page', async () => {
    const sizes: number[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        sizes.push(chunk.buffer.byteLength);
        done();
      },
    });
    const quiet = readOutputInto(childOutput('echo one; sleep 0.05; echo two; sleep 0.05; echo three'), sink);
    await ended(quiet);
    expect(sizes).toEqual([SMALL_READ_SIZE, SMALL_READ_SIZE, SMALL_READ_SIZE]);
    sizes.length = 0;
    const bulk = readOutputInto(childOutput('head -c 4000000 /dev/zero'), sink);
    await ended(bulk);
    expect(sizes[0]).toBe(SMALL_READ_SIZE);
    expect(sizes.filter((n) => n === OUTPUT_READ_SIZE).length).toBeGreaterThan(5);
  });

  it('gives the next read a new buffer when the sink holds a chunk, and stops at the high-water mark until drained', async () => {
    const held: Buffer[] = [];
    let drains = 0;
    const sink = new Writable({
      highWaterMark: OUTPUT_READ_SIZE,
      // The chunk is kept as given, and the write calls back later: as a channel with no window does.
      write(chunk: Buffer, _enc, done) {
        held.push(chunk);
        setTimeout(done, 1);
      },
    });
    sink.on('drain', () => drains++);
    const socket = readOutputInto(childOutput('seq 1 400000'), sink);
    await ended(socket);
    await new Promise<void>((resolve) => sink.end(resolve));
    // A reused buffer would have overwritten what the sink still held.
    expect(Buffer.concat(held).equals(Buffer.from(seqOutput(400000)))).toBe(true);
    expect(new Set(held.map((c) => c.buffer)).size).toBeGreaterThan(1);
    expect(drains).toBeGreaterThan(0);
  });

  it('hands a sink that is holding data a copy of each chunk, so it keeps one read buffer, not one per read', async () => {
    const held: Buffer[] = [];
    const sink = new Writable({
      // Room for everything: reading goes on while the sink is slow, as behind a small window.
      highWaterMark: 64 * 1024 * 1024,
      // Each write is held longer than the process takes to write the next burst.
      write(chunk: Buffer, _enc, done) {
        held.push(chunk);
        setTimeout(done, 30);
      },
    });
    // Thirty bursts of 20,000 bytes, each read on its own into a buffer of up to OUTPUT_READ_SIZE.
    const socket = readOutputInto(
      childOutput('for i in $(seq 1 30); do head -c 20000 /dev/zero; sleep 0.01; done'),
      sink,
    );
    await ended(socket);
    await new Promise<void>((resolve) => sink.end(resolve));
    const total = held.reduce((n, c) => n + c.length, 0);
    expect(total).toBe(600000);
    expect(held.length).toBeGreaterThan(20);
    // The chunks written while the sink was holding are copies of their own size, so the memory
    // they kept is about what was written; a buffer per read would have kept over 20 of them.
    const retained = [...new Set(held.map((c) => c.buffer))].reduce((n, b) => n + b.byteLength, 0);
    expect(retained).toBeLessThan(total + 2 * OUTPUT_READ_SIZE);
  });

  it('stops reading for good once the sink is destroyed', async () => {
    let writes = 0;
    const sink = new Writable({
      write(_chunk: Buffer, _enc, done) {
        writes++;
        done();
      },
    });
    const socket = readOutputInto(childOutput('yes'), sink);
    while (writes === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    sink.destroy();
    const before = writes;
    await new Promise((resolve) => setTimeout(resolve, 50));
    // `yes` keeps writing; nothing more reaches the sink, and nothing more is read.
    expect(writes).toBe(before);
    const read = socket.bytesRead;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.bytesRead).toBe(read);
    socket.destroy();
  });
});
