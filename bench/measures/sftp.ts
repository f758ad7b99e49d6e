/**
 * SFTP download and upload of one large file with OpenSSH's `sftp` and with ssh2's
 * fastGet/fastPut, per cipher: MB/s (client wall time) and server CPU seconds per GiB.
 */
import { createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { rotate, withServers, type BenchContext } from '../lib/context.js';
import { lastJson, runClient, runProcess } from '../lib/exec.js';
import { treeCpuSeconds, waitForTreeSize } from '../lib/proc.js';
import { sftpBatchArgs, type RunningServer } from '../lib/servers.js';

/** The ciphers measured (cipher, MAC). */
export const CIPHERS = [
  { label: 'aes128-gcm', cipher: 'aes128-gcm@openssh.com' },
  { label: 'chacha20-poly1305', cipher: 'chacha20-poly1305@openssh.com' },
  { label: 'aes128-ctr+etm', cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
] as const;

export type CipherChoice = (typeof CIPHERS)[number];

const GIB = 1024 ** 3;

/** Makes (once) the file to transfer: random bytes, so nothing compresses. */
export async function ensureFile(path: string, bytes: number): Promise<void> {
  if (existsSync(path) && statSync(path).size === bytes) return;
  const out = createWriteStream(path);
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  for (let done = 0; done < bytes; done += chunk.length) {
    randomFillSync(chunk);
    if (!out.write(Buffer.from(chunk))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
}

/** Runs one transfer and returns wall seconds. */
async function transfer(
  ctx: BenchContext,
  s: RunningServer,
  client: 'sftp' | 'ssh2',
  direction: 'down' | 'up',
  c: CipherChoice,
  file: string,
): Promise<number | string> {
  // Generous: 20 MB/s at worst. A transfer that stalls is reported, not waited for.
  const timeoutMs = Math.max(60_000, (ctx.quick ? 256 : 1024) * 50);
  const remoteSrc = s.sftpPath(file);
  const upName = `up-${client}.bin`;
  const local = join(ctx.ws.home, file);
  // Every upload makes a new file. Replacing the previous run's 1 GiB file would measure the
  // file system rather than the server: OpenSSH truncates in place and reuses the pages it just
  // freed, while sshd-kit's atomic upload writes a temporary file beside the old one, and in this
  // VM freshly allocated tmpfs pages cost up to 3 s of kernel CPU per GiB.
  if (direction === 'up') rmSync(join(ctx.ws.home, upName), { force: true });
  if (client === 'sftp') {
    const cmd = direction === 'down' ? `get ${remoteSrc} /dev/null` : `put ${local} ${s.sftpPath(upName)}`;
    const r = await runProcess('sftp', sftpBatchArgs(ctx.ws, s, c), { input: `${cmd}\n`, timeoutMs });
    if (r.code !== 0) return r.seconds * 1000 >= timeoutMs ? 'stalled' : `failed: ${r.stderr.slice(-300)}`;
    return r.seconds;
  }
  const r = await runClient(
    'ssh2-transfer',
    {
      port: s.port,
      user: s.user,
      key: ctx.ws.clientKey,
      cipher: c.cipher,
      ...('mac' in c ? { mac: c.mac } : {}),
      direction: direction === 'down' ? 'get' : 'put',
      remote: direction === 'down' ? remoteSrc : s.sftpPath(upName),
      local: direction === 'down' ? '/dev/null' : local,
    },
    timeoutMs,
  );
  if (r.code !== 0) return r.seconds * 1000 >= timeoutMs ? 'stalled' : `failed: ${r.stderr.slice(-300)}`;
  return lastJson<{ seconds: number }>(r, `ssh2 ${direction} on ${s.name}`).seconds;
}

/** The SFTP measure. */
export async function sftpMeasure(ctx: BenchContext): Promise<void> {
  const bytes = ctx.quick ? 256 * 1024 * 1024 : GIB;
  const file = `bench-${bytes / (1024 * 1024)}m.bin`;
  await ensureFile(join(ctx.ws.home, file), bytes);
  ctx.notes.sftpBytes = bytes;
  const ciphers = ctx.quick ? CIPHERS.slice(0, 2) : CIPHERS;
  // A server/client/direction that stalled once is not tried again in this run.
  const stalled = new Set<string>();
  await withServers(ctx, async (servers) => {
    // Every server serves each combination once, at the measured size, before anything is
    // measured: a server in service is warm. A Node server's JIT is not warm after smaller
    // transfers: after one of 256 MiB, sshd-kit's first 1 GiB fastGet cost 1.21 s of CPU per GiB
    // against 0.89-0.91 in the third and fourth, V8 still compiling in it (272 optimizations and
    // 35 deoptimizations). OpenSSH re-executes itself for each connection, so for it this only
    // warms the page cache, as for the others.
    for (const c of ciphers)
      for (const s of servers)
        for (const client of ['sftp', 'ssh2'] as const)
          for (const direction of ['down', 'up'] as const) {
            const combo = `${s.name} ${client} ${direction}`;
            if (stalled.has(combo)) continue;
            const seconds = await transfer(ctx, s, client, direction, c, file);
            if (typeof seconds !== 'string') continue;
            ctx.log(`warm-up ${s.name} ${client} ${direction} ${c.label}: ${seconds}`);
            ctx.notes[`${s.name}: warm-up ${client} ${direction} ${c.label}`] = seconds;
            if (seconds === 'stalled') stalled.add(combo);
          }
    for (let round = 0; round < ctx.rounds; round++) {
      for (const c of ciphers) {
        for (const s of rotate(servers, round)) {
          for (const client of ['sftp', 'ssh2'] as const) {
            for (const direction of ['down', 'up'] as const) {
              const combo = `${s.name} ${client} ${direction}`;
              if (stalled.has(combo)) continue;
              await waitForTreeSize(s.pid, 1);
              const cpu0 = treeCpuSeconds(s.pid);
              const seconds = await transfer(ctx, s, client, direction, c, file);
              await waitForTreeSize(s.pid, 1);
              const cpu = treeCpuSeconds(s.pid) - cpu0;
              const name = `sftp ${direction} ${c.label} (${client === 'sftp' ? 'OpenSSH sftp' : 'ssh2 fast' + (direction === 'down' ? 'Get' : 'Put')})`;
              if (typeof seconds === 'string') {
                ctx.log(`round ${round + 1} ${s.name.padEnd(8)} ${name}: ${seconds}`);
                ctx.notes[`${s.name}: ${name}`] = seconds;
                if (seconds === 'stalled') stalled.add(combo);
                continue;
              }
              const mbs = bytes / 1e6 / seconds;
              ctx.results.add(`${name}`, s.name, 'MB/s', 'higher', mbs, round);
              ctx.results.add(`${name} server CPU`, s.name, 's/GiB', 'lower', (cpu * GIB) / bytes, round);
              ctx.log(
                `round ${round + 1} ${s.name.padEnd(8)} ${name}: ${mbs.toFixed(0)} MB/s, ${((cpu * GIB) / bytes).toFixed(2)} s CPU/GiB`,
              );
            }
          }
        }
      }
    }
  });
  for (const f of ['up-sftp.bin', 'up-ssh2.bin']) rmSync(join(ctx.ws.home, f), { force: true });
}
