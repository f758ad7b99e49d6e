/**
 * Memory per idle authenticated connection with one session channel open: a load generator in
 * its own process opens N connections; the server's PSS (summed over its process tree, from
 * /proc/PID/smaps_rollup) is compared with the same server's before. Each count gets fresh servers.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { withServers, type BenchContext } from '../lib/context.js';
import { treePssKiB, treeSize, waitForTreeSize } from '../lib/proc.js';
import { REPO, type RunningServer } from '../lib/servers.js';

async function holdConnections(ctx: BenchContext, s: RunningServer, n: number): Promise<number> {
  const script = join(REPO, 'bench', 'clients', 'idle-load.ts');
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'ulimit -n 65536 2>/dev/null; exec "$0" --import tsx "$@"',
      process.execPath,
      script,
      '--port',
      String(s.port),
      '--user',
      s.user,
      '--key',
      ctx.ws.clientKey,
      '--connections',
      String(n),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`idle-load exited with ${code}`)));
  });
  const [, opened, failed] = ready.split(' ');
  // Idle means idle: give each server the quiet time a real idle server has before reading its
  // memory. sshd-kit gives a burst's memory back with one compacting collection after 5 s without
  // connection churn (V8's memory reducer, which would follow about 8 s later, is off in its CLI);
  // the ssh2-based server has V8's reducer. 30 s is past both.
  await new Promise((r) => setTimeout(r, n > 100 ? 30_000 : 3000));
  const pss = treePssKiB(s.pid);
  const procs = treeSize(s.pid);
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  ctx.log(
    `${s.name.padEnd(8)} ${opened} connections (${failed} failed): ${pss} KiB PSS in ${procs} processes`,
  );
  if (Number(opened) !== n) throw new Error(`${s.name}: only ${opened} of ${n} connections opened`);
  return pss;
}

/** The memory measure. */
export async function memoryMeasure(ctx: BenchContext): Promise<void> {
  const counts = ctx.quick ? [200] : [1000, 5000];
  for (const n of counts) {
    await withServers(ctx, async (servers) => {
      for (const s of servers) {
        // Warm up: one round of a few connections so lazily built state is in the baseline.
        await holdConnections(ctx, s, 8);
        await waitForTreeSize(s.pid, 1, 10_000);
        await new Promise((r) => setTimeout(r, 1000));
        const base = treePssKiB(s.pid);
        const pss = await holdConnections(ctx, s, n);
        const perConn = (pss - base) / n;
        ctx.results.add(`idle session memory (${n} connections)`, s.name, 'KiB each', 'lower', perConn);
        ctx.log(`${s.name.padEnd(8)} ${n} idle sessions: ${perConn.toFixed(1)} KiB each (base ${base} KiB)`);
        await waitForTreeSize(s.pid, 1, 60_000);
      }
    });
  }
}
