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

  it('reads a quiet process into a page, and a bulk one into 64 KiB once a read fills the page', async () => {
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
    const bulk = readOutputInto(childOutput('head -c 1000000 /dev/zero'), sink);
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
