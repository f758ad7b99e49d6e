import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StdinFeed } from '../../../src/session/stdin-feed.js';

/** A child's stdin that records each system call (a writev is one call) and can be slow. */
function recordingStdin(options: { highWaterMark?: number; slow?: boolean } = {}) {
  const calls: Buffer[][] = [];
  let release: (() => void) | undefined;
  const stdin = new Writable({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    writev(chunks, done) {
      calls.push(chunks.map((c) => c.chunk as Buffer));
      if (options.slow) release = () => done();
      else done();
    },
  });
  return {
    stdin,
    calls,
    received: () => Buffer.concat(calls.flat()),
    release: () => release?.(),
  };
}

const kib = (n: number, fill = 0x61) => Buffer.alloc(n * 1024, fill);

describe('StdinFeed', () => {
  it('writes small input at once, each piece as it comes', () => {
    const input = new PassThrough();
    const s = recordingStdin();
    new StdinFeed(input, s.stdin);
    input.write('ls\n');
    input.write('pwd\n');
    // PassThrough emits 'data' synchronously when flowing: nothing waits for a timer.
    expect(s.calls.map((c) => Buffer.concat(c).toString())).toEqual(['ls\n', 'pwd\n']);
  });

  it('gathers bulk input close behind a write and writes it in one call', async () => {
    const input = new PassThrough();
    const s = recordingStdin({ highWaterMark: 1024 * 1024 });
    new StdinFeed(input, s.stdin);
    for (let i = 0; i < 8; i++) input.write(kib(16, 0x30 + i));
    // The first went at once; the seven behind it wait for the gather.
    expect(s.calls.length).toBe(1);
    await sleep(20);
    expect(s.calls.length).toBe(2);
    expect(s.calls[1]!.length).toBe(7);
    expect(s.received().equals(Buffer.concat(Array.from({ length: 8 }, (_, i) => kib(16, 0x30 + i))))).toBe(
      true,
    );
  });

  it('writes what was gathered at once with a small piece behind it (a message end)', () => {
    const input = new PassThrough();
    const s = recordingStdin({ highWaterMark: 1024 * 1024 });
    new StdinFeed(input, s.stdin);
    input.write(kib(16));
    input.write(kib(16));
    input.write(kib(16));
    input.write('end\n');
    expect(s.calls.map((c) => c.length)).toEqual([1, 3]);
    expect(s.received().length).toBe(48 * 1024 + 4);
  });

  it('writes once 256 KiB are gathered, without waiting', () => {
    const input = new PassThrough({ highWaterMark: 1024 * 1024 });
    const s = recordingStdin({ highWaterMark: 4 * 1024 * 1024 });
    // A clock that stands still: on a loaded machine 17 writes can take longer than the window.
    new StdinFeed(input, s.stdin, () => 0);
    for (let i = 0; i < 17; i++) input.write(kib(16));
    expect(s.calls.map((c) => c.length)).toEqual([1, 16]);
  });

  it('ends stdin after writing what was gathered', async () => {
    const input = new PassThrough();
    const s = recordingStdin({ highWaterMark: 1024 * 1024 });
    new StdinFeed(input, s.stdin);
    input.write(kib(16));
    input.write(kib(16));
    input.end();
    await new Promise((resolve) => s.stdin.once('finish', resolve));
    expect(s.received().length).toBe(32 * 1024);
  });

  it('stops reading the client while stdin is full, and goes on when it drains', async () => {
    const input = new PassThrough();
    const s = recordingStdin({ highWaterMark: 16 * 1024, slow: true });
    new StdinFeed(input, s.stdin);
    input.write(kib(32));
    expect(input.isPaused()).toBe(true);
    input.write('more\n');
    expect(s.received().length).toBe(32 * 1024);
    s.release();
    await sleep(5);
    expect(input.isPaused()).toBe(false);
    s.release();
    await sleep(5);
    expect(
      s
        .received()
        .subarray(32 * 1024)
        .toString(),
    ).toBe('more\n');
  });

  it('drops what was gathered and what comes after it stops, reading on', async () => {
    const input = new PassThrough();
    const s = recordingStdin({ highWaterMark: 1024 * 1024 });
    const feed = new StdinFeed(input, s.stdin);
    input.write(kib(16));
    input.write(kib(16)); // gathered
    feed.stop();
    input.write(kib(64));
    await sleep(20);
    expect(s.received().length).toBe(16 * 1024);
    // The client's data is still read (its window moves): nothing piles up in the input.
    expect(input.readableLength).toBe(0);
    expect(s.stdin.writableEnded).toBe(false);
  });
});
