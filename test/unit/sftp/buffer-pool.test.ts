import { randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pflag } from '../../../src/sftp/constants.js';
import { BufferPool } from '../../../src/sftp/buffer-pool.js';
import { startSftpSession } from '../../../src/sftp/session.js';
import type { FileAttrs } from '../../../src/sftp/attrs.js';
import type { OpenFlags, Vfs, VfsFile } from '../../../src/sftp/vfs.js';
import { createMemoryVfs } from '../../../src/sftp/vfs/memory-fs.js';
import { TestSftpClient } from './helpers/sftp-client.js';

afterEach(() => vi.restoreAllMocks());

describe('BufferPool', () => {
  it('hands a given-back buffer out again, and takes back only the buffers it handed out', () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.take(32 * 1024 + 13);
    expect(pool.owns(a)).toBe(true);
    // A view of a pooled buffer (a short READ's reply) is left to the garbage collector.
    expect(pool.owns(a.subarray(0, 100))).toBe(false);
    pool.give(a.subarray(0, 100));
    expect(pool.take(32 * 1024 + 13)).not.toBe(a);
    pool.give(a);
    const b = pool.take(32 * 1024 + 13);
    expect(b).toBe(a);
    expect(b.length).toBe(32 * 1024 + 13);
  });

  it('keeps one size: a new size drops the free buffers, and old ones are not taken back', () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.take(8192);
    const b = pool.take(8192);
    pool.give(a);
    const c = pool.take(16384);
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.owns(b)).toBe(false);
    pool.give(b);
    expect(pool.take(16384).buffer).not.toBe(b.buffer);
  });

  it('does not pool small buffers or buffers it did not make', () => {
    const pool = new BufferPool(1 << 20);
    expect(pool.owns(pool.take(100))).toBe(false);
    const foreign = Buffer.allocUnsafeSlow(8192);
    pool.take(8192);
    expect(pool.owns(foreign)).toBe(false);
  });

  it('keeps at most its byte budget, and nothing after clear', () => {
    const pool = new BufferPool(3 * 8192);
    const taken = Array.from({ length: 5 }, () => pool.take(8192));
    for (const b of taken) pool.give(b);
    const again = Array.from({ length: 5 }, () => pool.take(8192));
    expect(again.filter((b) => taken.some((t) => t.buffer === b.buffer))).toHaveLength(3);
    for (const b of again) pool.give(b);
    pool.clear();
    expect(taken.concat(again).some((t) => t.buffer === pool.take(8192).buffer)).toBe(false);
  });
});

/**
 * An SFTP session whose output is done with each chunk only when it calls back, later, as a
 * channel that waits for window space (the client copies what it receives at once).
 */
function copyingSession(): TestSftpClient {
  const vfs = createMemoryVfs();
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const output = new Writable({
    // Large enough that the session keeps taking requests while replies wait here.
    highWaterMark: 16 << 20,
    write(chunk: Buffer, _enc, callback) {
      setImmediate(() => {
        fromServer.write(chunk);
        callback();
      });
    },
  });
  output.on('finish', () => fromServer.end());
  const done = startSftpSession({ input: toServer, output, outputCopies: true }, { vfs });
  return new TestSftpClient(toServer, fromServer, done);
}

describe('READ replies over an output that copies', () => {
  it('reuses reply buffers across pipelined READs and every reply carries its own bytes', async () => {
    const c = copyingSession();
    await c.init();
    const data = randomBytes(1 << 20);
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    const chunk = 32 * 1024;
    for (let o = 0; o < data.length; o += chunk) await c.write(h, o, data.subarray(o, o + chunk));
    const slow = vi.spyOn(Buffer, 'allocUnsafeSlow');
    // 128 READs, 8 in flight at any time (as fastGet keeps its requests going): replies are sent
    // while later READs take buffers, so a buffer reused too early would show in some reply.
    const offsets = Array.from({ length: 128 }, (_, i) => (i * chunk) % data.length);
    let next = 0;
    const bad: number[] = [];
    const worker = async () => {
      while (next < offsets.length) {
        const o = offsets[next++]!;
        const got = await c.read(h, o, chunk);
        if (!got?.equals(data.subarray(o, o + chunk))) bad.push(o);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(bad).toEqual([]);
    // The few buffers of the first READs serve the rest.
    expect(slow.mock.calls.length).toBeGreaterThan(0);
    expect(slow.mock.calls.length).toBeLessThanOrEqual(16);
    await c.close(h);
    await c.end();
  });

  it('an output that may keep its chunks gets a fresh buffer for every reply', async () => {
    const c = await TestSftpClient.connect(createMemoryVfs());
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    await c.write(h, 0, randomBytes(64 * 1024));
    const slow = vi.spyOn(Buffer, 'allocUnsafeSlow');
    await Promise.all([0, 32 * 1024].map((o) => c.read(h, o, 32 * 1024)));
    expect(slow).not.toHaveBeenCalled();
    await c.close(h);
    await c.end();
  });
});

describe('replies made together', () => {
  it('reach the output in one write, so a channel can pack them into whole packets', async () => {
    const vfs = createMemoryVfs();
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const batches: number[] = [];
    const output = new Writable({
      highWaterMark: 16 << 20,
      write(chunk: Buffer, _enc, callback) {
        // Calls back at once, as a channel with window to spare does.
        batches.push(1);
        fromServer.write(chunk);
        callback();
      },
      writev(chunks, callback) {
        batches.push(chunks.length);
        for (const c of chunks) fromServer.write(c.chunk);
        callback();
      },
    });
    output.on('finish', () => fromServer.end());
    const c = new TestSftpClient(
      toServer,
      fromServer,
      startSftpSession({ input: toServer, output }, { vfs }),
    );
    await c.init();
    const data = randomBytes(8 * 4096);
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    await c.write(h, 0, data);
    batches.length = 0;
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => c.read(h, i * 4096, 4096)));
    expect(Buffer.concat(got.map((g) => g!))).toEqual(data);
    expect(Math.max(...batches)).toBeGreaterThan(1);
    await c.close(h);
    await c.end();
  });
});

/** A memory VFS whose writes take a few milliseconds before they copy their data. */
function slowWritingVfs(): Vfs {
  const base = createMemoryVfs();
  return Object.assign(Object.create(base) as Vfs, {
    open: async (path: string, flags: OpenFlags, attrs: FileAttrs): Promise<VfsFile> => {
      const file = await base.open(path, flags, attrs);
      return Object.assign(Object.create(file) as VfsFile, {
        write: async (offset: number, data: Uint8Array) => {
          await new Promise((r) => setTimeout(r, 2));
          await file.write(offset, data);
        },
      });
    },
  });
}

describe('WRITE frames joined from several input chunks', () => {
  it('reuse their buffers only once each write is done, and every write lands intact', async () => {
    const c = TestSftpClient.raw(slowWritingVfs());
    // Every chunk the client sends arrives in two halves, so every frame spans input chunks.
    const send = c.toServer.write.bind(c.toServer) as (chunk: Buffer) => boolean;
    c.toServer.write = ((chunk: Buffer) => {
      send(chunk.subarray(0, chunk.length >> 1));
      return send(chunk.subarray(chunk.length >> 1));
    }) as typeof c.toServer.write;
    await c.init();
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    const chunk = 8192;
    const data = randomBytes(64 * chunk);
    const slow = vi.spyOn(Buffer, 'allocUnsafeSlow');
    let next = 0;
    // Four WRITEs in flight: a buffer given back before its write copied it would be refilled
    // by a later frame, and the file would show it.
    const worker = async () => {
      while (next < data.length) {
        const o = next;
        next += chunk;
        await c.write(h, o, data.subarray(o, o + chunk));
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(slow.mock.calls.length).toBeGreaterThan(0);
    expect(slow.mock.calls.length).toBeLessThanOrEqual(8);
    slow.mockRestore();
    const back: Buffer[] = [];
    for (let o = 0; o < data.length; o += 32 * 1024) back.push((await c.read(h, o, 32 * 1024))!);
    expect(Buffer.concat(back).equals(data)).toBe(true);
    await c.close(h);
    await c.end();
  });
});

describe('an idle session', () => {
  it('empties its reply-buffer pool a second or two after its last reply, and not while busy', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const c = copyingSession();
      await c.init();
      const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
      await c.write(h, 0, randomBytes(64 * 1024));
      const slow = vi.spyOn(Buffer, 'allocUnsafeSlow');
      // READs of a file in memory are answered at once, outside the requests that wait for a lock.
      await c.read(h, 0, 32 * 1024);
      expect(slow).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 6; i++) {
        vi.advanceTimersByTime(600);
        await c.read(h, 32 * 1024, 32 * 1024);
      }
      expect(slow).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(2000);
      await c.read(h, 0, 32 * 1024);
      expect(slow).toHaveBeenCalledTimes(2);
      await c.close(h);
      await c.end();
    } finally {
      vi.useRealTimers();
    }
  });
});
