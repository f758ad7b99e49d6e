/**
 * One SFTP transfer with the ssh2 client's fastGet/fastPut (its defaults: 64 requests of 32 KiB
 * in flight). Prints `{"seconds":…,"clientCpuSeconds":…}`: the
 * client's own CPU over the transfer shows when the client, not the server, sets the pace.
 * Args: --port --user --key --cipher [--mac] --direction get|put --remote PATH --local PATH
 *       [--local-io pool|loop] (pool, ssh2's own way, unless told; see `localIoOnEventLoop`)
 */
import fs from 'node:fs';
import type { SFTPWrapper } from 'ssh2';
import { args, connectClient } from './connect.js';

type IoCallback = (err: NodeJS.ErrnoException | null, bytes: number, buffer: Uint8Array) => void;

/**
 * Does the local file's reads and writes synchronously on the event loop instead of handing
 * each 32 KiB chunk to libuv's thread pool (ssh2 calls `fs.read` and `fs.write` on the `fs`
 * module, looked up at every call). Not how ssh2 runs: a diagnostic, to show what the client's
 * hand-offs cost it (`bench/client-handoff.ts`).
 */
function localIoOnEventLoop(): void {
  const onLoop =
    (sync: (fd: number, b: Uint8Array, off: number, len: number, pos: number | null) => number) =>
    (fd: number, b: Uint8Array, off: number, len: number, pos: number | null, cb: IoCallback) => {
      let bytes = 0;
      let err: NodeJS.ErrnoException | null = null;
      try {
        bytes = sync(fd, b, off, len, pos);
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      process.nextTick(cb, err, bytes, b);
    };
  fs.write = onLoop(fs.writeSync) as unknown as typeof fs.write;
  fs.read = onLoop(fs.readSync) as unknown as typeof fs.read;
}

const a = args();
if (a['local-io'] === 'loop') localIoOnEventLoop();
else if (a['local-io'] !== undefined && a['local-io'] !== 'pool')
  throw new Error('--local-io is pool or loop');
const client = await connectClient({
  port: Number(a.port),
  user: a.user!,
  keyFile: a.key!,
  cipher: a.cipher!,
  ...(a.mac ? { mac: a.mac } : {}),
});
const sftp = await new Promise<SFTPWrapper>((res, rej) => client.sftp((err, s) => (err ? rej(err) : res(s))));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await new Promise<void>((res, rej) => {
  const done = (err?: Error | null) => (err ? rej(err) : res());
  if (a.direction === 'get') sftp.fastGet(a.remote!, a.local!, done);
  else sftp.fastPut(a.local!, a.remote!, done);
});
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const clientCpuSeconds = (cpu.user + cpu.system) / 1e6;
client.end();
console.log(JSON.stringify({ seconds, clientCpuSeconds }));
