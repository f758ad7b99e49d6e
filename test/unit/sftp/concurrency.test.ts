import { describe, expect, it } from 'vitest';
import { Fxp, Pflag, SftpStatus } from '../../../src/sftp/constants.js';
import { createMemoryVfs } from '../../../src/sftp/vfs/memory-fs.js';
import type { Vfs, VfsFile } from '../../../src/sftp/vfs.js';
import { TestSftpClient, type Reply } from './helpers/sftp-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wraps a Vfs so file reads and writes take `delay(offset)` ms, and records what happened. */
function slowVfs(inner: Vfs, delay: (op: 'read' | 'write', offset: number) => number, log: string[]): Vfs {
  return {
    ...inner,
    realpath: (p) => inner.realpath(p),
    stat: (p) => inner.stat(p),
    lstat: (p) => inner.lstat(p),
    opendir: (p) => inner.opendir(p),
    async open(path, flags, attrs) {
      const f = await inner.open(path, flags, attrs);
      const wrapped: VfsFile = {
        async read(offset, length) {
          await sleep(delay('read', offset));
          log.push(`read ${offset}`);
          return f.read(offset, length);
        },
        async write(offset, data) {
          await sleep(delay('write', offset));
          log.push(`write ${offset}`);
          return f.write(offset, data);
        },
        fstat: () => f.fstat(),
        fsetstat: (a) => f.fsetstat(a),
        close: async () => {
          log.push('close');
          return f.close();
        },
        abort: async () => {
          log.push('abort');
          return f.close();
        },
      };
      return wrapped;
    },
  };
}

/** Which way a file's reads and writes went: at once (`readIntoNow`, `writeNow`) or queued. */
interface LaneCounts {
  readNow: number;
  readQueued: number;
  writeNow: number;
  writeQueued: number;
}

/**
 * Wraps a Vfs whose files read and write at once, as the local files do in memory, and counts
 * which way each request went. Queued reads and writes take `delay` ms; `refuseNow` sends a
 * request the queued way whatever its file could do.
 */
function fastLaneVfs(
  inner: Vfs,
  counts: LaneCounts,
  delay: { read: number; write: number },
  refuseNow: (op: 'read' | 'write', offset: number) => boolean = () => false,
): Vfs {
  return {
    ...inner,
    async open(path, flags, attrs) {
      const f = await inner.open(path, flags, attrs);
      const wrapped: VfsFile = {
        read: (offset, length) => f.read(offset, length),
        async readInto(offset, target) {
          counts.readQueued++;
          await sleep(delay.read);
          return f.readInto!(offset, target);
        },
        readIntoNow(offset, target) {
          if (refuseNow('read', offset)) return undefined;
          counts.readNow++;
          return f.readIntoNow!(offset, target);
        },
        async write(offset, data) {
          counts.writeQueued++;
          await sleep(delay.write);
          return f.write(offset, data);
        },
        writeNow(offset, data) {
          if (refuseNow('write', offset)) return false;
          counts.writeNow++;
          return f.writeNow!(offset, data);
        },
        fstat: () => f.fstat(),
        fsetstat: (a) => f.fsetstat(a),
        close: () => f.close(),
      };
      return wrapped;
    },
  };
}

const noLanes = (): LaneCounts => ({ readNow: 0, readQueued: 0, writeNow: 0, writeQueued: 0 });

describe('SFTP concurrency', () => {
  it('answers READs and WRITEs of a file in memory at once, but not past a WRITE of their bytes', async () => {
    const counts = noLanes();
    // The write at offset 2 goes the queued way (slowly), as a write to a file on a disk would.
    const c = await TestSftpClient.connect(
      fastLaneVfs(
        createMemoryVfs(),
        counts,
        { read: 0, write: 30 },
        (op, off) => op === 'write' && off === 2,
      ),
    );
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    await c.write(h, 0, Buffer.from('old-old-'));
    expect(await Promise.all([0, 4, 8].map((o) => c.read(h, o, 4)))).toEqual([
      Buffer.from('old-'),
      Buffer.from('old-'),
      null,
    ]);
    expect(counts).toEqual({ readNow: 3, readQueued: 0, writeNow: 1, writeQueued: 0 });
    // Pipelined: the READ and the WRITE arrive while a WRITE of their bytes is under way, and must
    // not go around it.
    const w1 = c.write(h, 2, Buffer.from('NEWS'));
    const r = c.read(h, 0, 8);
    const w2 = c.write(h, 0, Buffer.from('ab'));
    await Promise.all([w1, w2]);
    expect((await r)!.toString()).toBe('olNEWSd-');
    expect(counts).toEqual({ readNow: 3, readQueued: 1, writeNow: 1, writeQueued: 2 });
    // Once nothing is under way, both go the quick way again.
    await c.write(h, 6, Buffer.from('!!'));
    expect((await c.read(h, 0, 8))!.toString()).toBe('abNEWS!!');
    expect(counts).toEqual({ readNow: 4, readQueued: 1, writeNow: 2, writeQueued: 2 });
    await c.close(h);
    await c.end();
  });

  it('a WRITE pipelined after a queued READ of its bytes waits for it, even to a file in memory', async () => {
    const counts = noLanes();
    const c = await TestSftpClient.connect(
      fastLaneVfs(createMemoryVfs(), counts, { read: 30, write: 0 }, (op, off) => op === 'read' && off === 0),
    );
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    await c.write(h, 0, Buffer.from('old-old-'));
    const r = c.read(h, 0, 4);
    const w = c.write(h, 2, Buffer.from('NEWS'));
    expect((await r)!.toString()).toBe('old-');
    await w;
    expect((await c.read(h, 2, 4))!.toString()).toBe('NEWS');
    expect(counts).toEqual({ readNow: 1, readQueued: 1, writeNow: 1, writeQueued: 1 });
    await c.close(h);
    await c.end();
  });

  it('serves pipelined READs concurrently and replies out of order', async () => {
    const log: string[] = [];
    const mem = createMemoryVfs();
    const c = await TestSftpClient.connect(slowVfs(mem, (_op, off) => (off === 0 ? 60 : 5), log));
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    await c.write(h, 0, Buffer.from('0123456789'));
    const order: number[] = [];
    const reads = [0, 3, 6].map((off) => c.read(h, off, 3).then((d) => (order.push(off), d!.toString())));
    expect(await Promise.all(reads)).toEqual(['012', '345', '678']);
    expect(order[order.length - 1]).toBe(0);
    await c.close(h);
    await c.end();
  });

  it('keeps requests on one file in order: overlapping WRITE before READ, WRITEs before FSTAT and CLOSE', async () => {
    const log: string[] = [];
    const c = await TestSftpClient.connect(
      slowVfs(createMemoryVfs(), (op) => (op === 'write' ? 30 : 0), log),
    );
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    const w1 = c.write(h, 0, Buffer.from('aaaa'));
    const r1 = c.read(h, 2, 2);
    const w2 = c.write(h, 4, Buffer.from('bbbb'));
    const st = c.fstat(h);
    const cl = c.close(h);
    await Promise.all([w1, w2, cl]);
    expect((await r1)!.toString()).toBe('aa');
    expect((await st).size).toBe(8n);
    // The read waited for the overlapping write; the non-overlapping write did not wait for either.
    expect(log.indexOf('read 2')).toBeGreaterThan(log.indexOf('write 0'));
    expect(log.slice(0, 2).sort()).toEqual(['write 0', 'write 4']);
    expect(log[3]).toBe('close');
    await c.end();
  });

  it('a WRITE pipelined after slow READs of its bytes waits for them: they see the old data', async () => {
    const log: string[] = [];
    const mem = createMemoryVfs();
    const setup = await TestSftpClient.connect(mem);
    const h0 = await setup.open('f', Pflag.Write | Pflag.Creat);
    await setup.write(h0, 0, Buffer.from('old-old-'));
    await setup.close(h0);
    await setup.end();
    const c = await TestSftpClient.connect(slowVfs(mem, (op) => (op === 'read' ? 30 : 0), log));
    const h = await c.open('f', Pflag.Write | Pflag.Read);
    // Reads granted at once (nothing that writes was queued), then a write over both of them and a
    // read behind it, all in one pipeline.
    const r1 = c.read(h, 0, 4);
    const r2 = c.read(h, 4, 4);
    const w = c.write(h, 2, Buffer.from('NEWS'));
    const r3 = c.read(h, 0, 8);
    expect([(await r1)!.toString(), (await r2)!.toString()]).toEqual(['old-', 'old-']);
    await w;
    expect((await r3)!.toString()).toBe('olNEWSd-');
    expect(log.indexOf('write 2')).toBeGreaterThan(Math.max(log.indexOf('read 0'), log.indexOf('read 4')));
    await c.close(h);
    await c.end();
  });

  it('a WRITE pipelined after CLOSE fails instead of touching a closed file', async () => {
    const c = await TestSftpClient.connect(createMemoryVfs());
    const h = await c.open('f', Pflag.Write | Pflag.Creat);
    const cl = c.close(h);
    const late: Promise<Reply> = c.request(Fxp.Write, (w) => w.bytes(h).u64(0n).bytes(Buffer.from('x')));
    await cl;
    const rep = await late;
    expect(rep.type).toBe(Fxp.Status);
    expect(rep.r.u32()).toBe(SftpStatus.Failure);
    await c.end();
  });

  it('path changes are ordered: MKDIR then OPEN inside it, pipelined', async () => {
    const c = await TestSftpClient.connect(createMemoryVfs());
    const mk = c.status(Fxp.Mkdir, (w) => w.text('d').u32(0));
    const op = c.open('d/f', Pflag.Write | Pflag.Creat);
    await mk;
    await c.close(await op);
    expect((await c.stat('d/f')).size).toBe(0n);
    await c.end();
  });

  it('a client disconnect aborts files still open (uploads are discarded, not committed)', async () => {
    const log: string[] = [];
    const c = await TestSftpClient.connect(slowVfs(createMemoryVfs(), () => 0, log));
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Trunc);
    await c.write(h, 0, Buffer.from('partial'));
    c.toServer.destroy();
    await c.done;
    expect(log).toEqual(['write 0', 'abort']);
  });

  it('an abort signal ends the session and discards open uploads', async () => {
    const log: string[] = [];
    const ac = new AbortController();
    const c = await TestSftpClient.connect(
      slowVfs(createMemoryVfs(), () => 0, log),
      { signal: ac.signal },
    );
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Trunc);
    await c.write(h, 0, Buffer.from('x'));
    ac.abort();
    await c.done;
    expect(log).toEqual(['write 0', 'abort']);
  });

  it('stops reading while the output is full and resumes when drained', async () => {
    const c = await TestSftpClient.connect(createMemoryVfs(), { limits: { maxInFlightRequests: 4 } });
    const h = await c.open('f', Pflag.Write | Pflag.Creat | Pflag.Read);
    await c.write(h, 0, Buffer.alloc(200_000, 9));
    c.fromServer.pause();
    const reads: Promise<Buffer | null>[] = [];
    for (let i = 0; i < 200; i++) reads.push(c.read(h, 0, 200_000));
    await sleep(50);
    // 200 x 200 kB requested; with the client not reading, the server holds only a few replies.
    expect(c.fromServer.readableLength).toBeLessThan(4 * 1024 * 1024);
    c.fromServer.resume();
    const all = await Promise.all(reads);
    expect(all.every((d) => d?.length === 200_000)).toBe(true);
    await c.close(h);
    await c.end();
  });
});
