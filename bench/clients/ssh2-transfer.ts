/**
 * One SFTP transfer with the ssh2 client's fastGet/fastPut (its defaults: 64 requests of 32 KiB
 * in flight). Prints `{"seconds":…,"clientCpuSeconds":…}`: the
 * client's own CPU over the transfer shows when the client, not the server, sets the pace.
 * Args: --port --user --key --cipher [--mac] --direction get|put --remote PATH --local PATH
 */
import type { SFTPWrapper } from 'ssh2';
import { args, connectClient } from './connect.js';

const a = args();
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
