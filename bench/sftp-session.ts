/**
 * The SFTP session alone, in process: a client written here reads a file on tmpfs with pipelined
 * READs (`--in-flight` at a time, as fastGet keeps them) straight through the session's streams,
 * no channel, transport or socket. Prints the CPU per READ and per GiB of each round, so a change
 * to the session's per-request work shows without the noise of a whole transfer. With `--size 1`
 * the file reads are nearly free and the rest is the session's own cost per request.
 *
 *   npx tsx bench/sftp-session.ts [--size 16] [--mb 256] [--in-flight 64] [--rounds 8]
 *
 * Sizes are KiB per READ. The first rounds include V8's compiling; read the later ones. It runs
 * the built session (dist/, `npm run build` first), as the server does.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { REPO } from './lib/servers.js';
import type * as SftpModule from '../src/sftp/index.js';

type Sftp = typeof SftpModule;
const { Fxp, FxpHandle, FxpInit, FxpOpen, FxpRead, Pflag, createLocalVfs, startSftpSession } = (await import(
  join(REPO, 'dist', 'sftp', 'index.js')
)) as Sftp;

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '16' },
    mb: { type: 'string', default: '256' },
    'in-flight': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '8' },
    dir: { type: 'string', default: '/dev/shm/sshd-kit-bench/session' },
  },
});
const readLength = Number(values.size) * 1024;
const fileBytes = Number(values.mb) * 1024 * 1024;
const inFlight = Number(values['in-flight']);
mkdirSync(values.dir, { recursive: true });
const fileName = `session-${values.mb}m.bin`;
const filePath = join(values.dir, fileName);
if (statSync(filePath, { throwIfNoEntry: false })?.size !== fileBytes)
  writeFileSync(filePath, Buffer.alloc(fileBytes, 0x5a));

/** Reads the whole file once; resolves with the READs made and the bytes received. */
async function round(): Promise<{ reads: number; bytes: number }> {
  const input = new Readable({ read() {} });
  let handle: Buffer | undefined;
  let nextId = 1;
  let offset = 0;
  let outstanding = 0;
  let reads = 0;
  let bytes = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const sendRead = (): void => {
    const frame = FxpRead.encode({ id: nextId++, handle: handle!, offset: BigInt(offset), len: readLength });
    offset += readLength;
    outstanding++;
    reads++;
    input.push(frame);
  };
  const onReply = (reply: Buffer): void => {
    const type = reply[4];
    if (type === Fxp.Version) return;
    if (type === Fxp.Handle) {
      handle = Buffer.from(FxpHandle.decode(reply.subarray(4)).handle);
      for (let i = 0; i < inFlight; i++) sendRead();
      return;
    }
    // The DATA length field, read where it lies: decoding each reply would charge the client a copy.
    if (type === Fxp.Data) bytes += reply.readUInt32BE(9);
    else if (type !== Fxp.Status) throw new Error(`unexpected reply type ${type}`);
    outstanding--;
    if (offset < fileBytes) sendRead();
    else if (outstanding === 0) finish();
  };
  let pending: Buffer = Buffer.alloc(0);
  const parse = (chunk: Buffer): void => {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const n = 4 + pending.readUInt32BE(0);
      onReply(pending.subarray(0, n));
      pending = pending.subarray(n);
    }
  };
  const output = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      parse(chunk);
      callback();
    },
    writev(chunks, callback) {
      for (const c of chunks) parse(c.chunk as Buffer);
      callback();
    },
  });
  const session = startSftpSession(
    { input, output, outputCopies: true },
    { vfs: createLocalVfs({ root: values.dir }) },
  );
  input.push(FxpInit.encode({ version: 3, extensions: [] }));
  input.push(FxpOpen.encode({ id: 0, filename: `/${fileName}`, pflags: Pflag.Read, attrs: {} }));
  await finished;
  input.push(null);
  await session;
  return { reads, bytes };
}

console.log(
  `SFTP session in process: ${values.size} KiB READs, ${inFlight} in flight, ${values.mb} MiB per round`,
);
for (let i = 0; i < Number(values.rounds); i++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { reads, bytes } = await round();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (bytes !== fileBytes) throw new Error(`read ${bytes} bytes of ${fileBytes}`);
  console.log(
    `round ${i + 1}: ${((cpuSeconds * 1e6) / reads).toFixed(2)} µs of CPU per READ, ` +
      `${((cpuSeconds * 1024 ** 3) / bytes).toFixed(3)} s per GiB, ${(fileBytes / 1e6 / seconds).toFixed(0)} MB/s`,
  );
}
