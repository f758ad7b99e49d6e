import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fxp, Pflag, SftpStatus } from '../../../src/sftp/constants.js';
import { createMemoryVfs } from '../../../src/sftp/vfs/memory-fs.js';
import { WireWriter } from '../../../src/wire/writer.js';
import { expectStatus, TestSftpClient, type Reply } from './helpers/sftp-client.js';

const CREATE = Pflag.Write | Pflag.Creat | Pflag.Trunc;

function statusOf(rep: Reply): number {
  expect(rep.type).toBe(Fxp.Status);
  return rep.r.u32();
}

/** The session must still answer a normal request. */
async function stillServing(c: TestSftpClient): Promise<void> {
  expect(await c.realpath('.')).toBe('/');
}

async function sessionEnds(c: TestSftpClient): Promise<void> {
  await c.done;
  await new Promise((r) => setImmediate(r));
  expect(c.ended).toBe(true);
}

describe('SFTP bad input (catalogue D09-D14)', () => {
  it('a request before INIT ends the session', async () => {
    const c = TestSftpClient.raw(createMemoryVfs());
    c.sendFrame(new WireWriter().byte(Fxp.Open).u32(1).text('/x').u32(1).u32(0).finish());
    await sessionEnds(c);
  });

  it('frames of length 0 and 2^32-1 end the session; so does a 3-byte request or a second INIT', async () => {
    for (const len of [0, 0xffffffff, 256 * 1024 + 1]) {
      const c = await TestSftpClient.connect(createMemoryVfs());
      const b = Buffer.alloc(4);
      b.writeUInt32BE(len);
      c.toServer.write(b);
      await sessionEnds(c);
    }
    const short = await TestSftpClient.connect(createMemoryVfs());
    short.sendFrame(Buffer.from([Fxp.Stat, 0, 0]));
    await sessionEnds(short);
    const twice = await TestSftpClient.connect(createMemoryVfs());
    twice.sendFrame(new WireWriter().byte(Fxp.Init).u32(3).finish());
    await sessionEnds(twice);
  });

  it('negotiates version 3 whatever the client asks', async () => {
    for (const v of [0, 2, 6, 0xffffffff]) {
      const c = TestSftpClient.raw(createMemoryVfs());
      await c.init(v);
      expect(c.version?.version).toBe(3);
      await stillServing(c);
      await c.end();
    }
  });

  it('READ of 2^32-1 bytes is served short; offsets past 2^53 are EOF; WRITE at 2^63 fails', async () => {
    const c = await TestSftpClient.connect(createMemoryVfs());
    const h = await c.open('big', CREATE | Pflag.Read);
    for (let i = 0; i < 3; i++) await c.write(h, i * 200 * 1024, Buffer.alloc(200 * 1024, 1));
    const d = await c.read(h, 0, 0xffffffff);
    expect(d!.length).toBe(255 * 1024);
    expect(await c.read(h, 2n ** 53n + 1n, 10)).toBeNull();
    expect(await c.read(h, 2n ** 64n - 1n, 10)).toBeNull();
    await expectStatus(c.write(h, 2n ** 63n, Buffer.from('x')), SftpStatus.Failure);
    await expectStatus(c.write(h, 2n ** 53n - 1n, Buffer.from('xy')), SftpStatus.Failure);
    await c.close(h);
    await stillServing(c);
    await c.end();
  });

  it('100,000 OPENs without CLOSE are bounded by max-open-handles', async () => {
    const mem = createMemoryVfs();
    const c = await TestSftpClient.connect(mem, { limits: { maxOpenHandles: 64 } });
    const h = await c.open('f', CREATE);
    await c.close(h);
    const replies: Promise<Reply>[] = [];
    for (let i = 0; i < 100_000; i++) {
      replies.push(c.request(Fxp.Open, (w) => w.text('f').u32(Pflag.Read).u32(0)));
    }
    const all = await Promise.all(replies);
    const handles = all.filter((r) => r.type === Fxp.Handle).length;
    expect(handles).toBe(64);
    expect(all.filter((r) => r.type === Fxp.Status && r.r.u32() === SftpStatus.Failure).length).toBe(
      100_000 - 64,
    );
    await stillServing(c);
    await c.end();
  }, 30_000);

  it('malformed ATTRS, NUL in a path and bogus handles get a STATUS with the request id, and no warning', async () => {
    // A peer's malformed request is ordinary: logging a warning for each would let it flood the log.
    const warnings: string[] = [];
    const note = (_fields: object, message?: string) => void warnings.push(message ?? '');
    const log = { debug: () => undefined, info: () => undefined, warn: note, error: note };
    const c = await TestSftpClient.connect(createMemoryVfs(), { log });
    const h = await c.open('f', CREATE);
    await c.close(h);
    expect(statusOf(await c.request(Fxp.Setstat, (w) => w.text('f').u32(0x40)))).toBe(SftpStatus.BadMessage);
    expect(statusOf(await c.request(Fxp.Setstat, (w) => w.text('f').u32(0x80000000).u32(0xffffffff)))).toBe(
      SftpStatus.BadMessage,
    );
    expect(statusOf(await c.request(Fxp.Setstat, (w) => w.text('f').u32(1).u32(0)))).toBe(
      SftpStatus.BadMessage,
    );
    expect(
      statusOf(
        await c.request(Fxp.Setstat, (w) =>
          w
            .text('f')
            .u32(1)
            .u64(2n ** 63n),
        ),
      ),
    ).toBe(SftpStatus.BadMessage);
    expect(statusOf(await c.request(Fxp.Stat, (w) => w.text('f\0../../etc/passwd')))).toBe(
      SftpStatus.NoSuchFile,
    );
    expect(statusOf(await c.request(Fxp.Open, (w) => w.text('f\0').u32(1).u32(0)))).toBe(
      SftpStatus.NoSuchFile,
    );
    expect(statusOf(await c.request(Fxp.Stat, (w) => w.bytes(Buffer.from([0xff, 0xfe]))))).toBe(
      SftpStatus.BadMessage,
    );
    for (const bogus of [Buffer.alloc(0), Buffer.alloc(16, 0x41), Buffer.alloc(255, 1)]) {
      expect(statusOf(await c.request(Fxp.Read, (w) => w.bytes(bogus).u64(0n).u32(10)))).toBe(
        SftpStatus.Failure,
      );
      expect(statusOf(await c.request(Fxp.Close, (w) => w.bytes(bogus)))).toBe(SftpStatus.Failure);
    }
    expect(statusOf(await c.request(Fxp.Read, (w) => w.bytes(Buffer.alloc(300)).u64(0n).u32(1)))).toBe(
      SftpStatus.BadMessage,
    );
    expect(statusOf(await c.request(Fxp.Stat, (w) => w.text('f').u32(0)))).toBe(SftpStatus.BadMessage);
    await stillServing(c);
    await c.end();
    expect(warnings).toEqual([]);
  });

  it('unknown packet types and EXTENDED names are OP_UNSUPPORTED with the id', async () => {
    const c = await TestSftpClient.connect(createMemoryVfs());
    for (const t of [0, 99, 255, Fxp.Status])
      expect(statusOf(await c.request(t))).toBe(SftpStatus.OpUnsupported);
    expect(statusOf(await c.extended('nope@example.com'))).toBe(SftpStatus.OpUnsupported);
    expect(statusOf(await c.extended('__proto__'))).toBe(SftpStatus.OpUnsupported);
    await stillServing(c);
    await c.end();
  });

  it('random request frames get a STATUS or end the session, never an exception', async () => {
    const mem = createMemoryVfs();
    const seed = await TestSftpClient.connect(mem);
    const h = await seed.open('f', CREATE);
    await seed.write(h, 0, Buffer.from('content'));
    await seed.close(h);
    await seed.end();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom(...Object.values(Fxp), 0, 77, 255), fc.uint8Array({ maxLength: 64 })),
          { minLength: 1, maxLength: 8 },
        ),
        async (frames) => {
          const c = await TestSftpClient.connect(mem);
          for (const [type, body] of frames) {
            c.sendFrame(Buffer.concat([Buffer.from([type, 0, 0, 0, 1]), body]));
          }
          // Either the session answered everything and still serves, or it ended cleanly.
          const probe = c.request(Fxp.Realpath, (w) => w.text('/'));
          const outcome = await Promise.race([probe.then(() => 'served'), c.done.then(() => 'ended')]);
          expect(['served', 'ended']).toContain(outcome);
          c.toServer.end();
          await c.done;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('10,000 pipelined requests the client does not read stay bounded, then all get answered', async () => {
    const c = await TestSftpClient.connect(createMemoryVfs(), {
      limits: { maxInFlightRequests: 16 },
    });
    c.fromServer.pause();
    const replies: Promise<Reply>[] = [];
    for (let i = 0; i < 10_000; i++) replies.push(c.request(Fxp.Realpath, (w) => w.text(`/a${i}`)));
    await new Promise((r) => setTimeout(r, 50));
    // The server stopped reading: most requests are still in our output stream, not in the server.
    expect(c.toServer.writableLength).toBeGreaterThan(100_000);
    c.fromServer.resume();
    const all = await Promise.all(replies);
    expect(all.every((r) => r.type === Fxp.Name)).toBe(true);
    await c.end();
  });
});
