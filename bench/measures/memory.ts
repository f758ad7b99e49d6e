/**
 * Memory per idle authenticated connection with one session channel open: a load generator in
 * its own process opens connections and the server's PSS is read (summed over its process tree,
 * from /proc/PID/smaps_rollup) once they have been idle for a while. Each count gets fresh
 * servers, which first hold {@link REFERENCE_SESSIONS}, then N: the memory per session is the
 * difference over the difference, so both readings follow a burst and the same quiet time, and
 * neither is a freshly started server still holding its startup garbage.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { withServers, type BenchContext } from '../lib/context.js';
import { treePssKiB, treeSize, waitForTreeSize } from '../lib/proc.js';
import { REPO, type RunningServer } from '../lib/servers.js';

/** Sessions held for the first reading; each count measures from here. */
const REFERENCE_SESSIONS = 200;

/** Opens `n` connections, waits `quietMs`, reads the server's PSS and closes them. */
async function holdConnections(
  ctx: BenchContext,
  s: RunningServer,
  n: number,
  quietMs: number,
): Promise<number> {
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
  await new Promise((r) => setTimeout(r, quietMs));
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
  const counts = ctx.quick ? [1000] : [1000, 5000];
  // Idle means idle: give each server the quiet time a real idle server has before reading its
  // memory. sshd-kit gives a burst's memory back with one compacting collection after 5 s without
  // connection churn (V8's memory reducer, which would follow about 8 s later, is off in its CLI);
  // the ssh2-based server has V8's reducer. 30 s is past both.
  const quietMs = 30_000;
  for (const n of counts) {
    await withServers(ctx, async (servers) => {
      for (const s of servers) {
        const reference = await holdConnections(ctx, s, REFERENCE_SESSIONS, quietMs);
        await waitForTreeSize(s.pid, 1, 60_000);
        const pss = await holdConnections(ctx, s, n, quietMs);
        const perConn = (pss - reference) / (n - REFERENCE_SESSIONS);
        ctx.results.add(`idle session memory (${n} connections)`, s.name, 'KiB each', 'lower', perConn);
        ctx.log(
          `${s.name.padEnd(8)} ${n} idle sessions: ${perConn.toFixed(1)} KiB each ` +
            `(${REFERENCE_SESSIONS} sessions: ${reference} KiB)`,
        );
        await waitForTreeSize(s.pid, 1, 60_000);
      }
    });
  }
}
