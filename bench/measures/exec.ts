/** Exec-channel throughput: `cat` of a large file out of the server and into it, with OpenSSH's ssh. */
import { join } from 'node:path';
import { rotate, withServers, type BenchContext } from '../lib/context.js';
import { runProcess } from '../lib/exec.js';
import { treeCpuSeconds, waitForTreeSize } from '../lib/proc.js';
import { opensshClientArgs, type RunningServer } from '../lib/servers.js';
import { ensureFile } from './sftp.js';

const GIB = 1024 ** 3;

/** Unmeasured transfers of the measured size, each way, before round 1 (see the warm-up below). */
const WARM_PASSES = 3;

/** The exec measure (aes128-gcm@openssh.com). */
export async function execMeasure(ctx: BenchContext): Promise<void> {
  const bytes = ctx.quick ? 256 * 1024 * 1024 : GIB;
  const file = join(ctx.ws.home, `bench-${bytes / (1024 * 1024)}m.bin`);
  await ensureFile(file, bytes);
  const algs = { cipher: 'aes128-gcm@openssh.com' };
  const cat = async (s: RunningServer, direction: 'down' | 'up', path: string) => {
    const base = [...opensshClientArgs(ctx.ws, algs), '-p', String(s.port), `${s.user}@127.0.0.1`];
    const r =
      direction === 'down'
        ? await runProcess('ssh', [...base, `cat ${path}`])
        : await runProcess('ssh', [...base, 'cat > /dev/null'], { stdinFile: path });
    if (r.code !== 0) throw new Error(`ssh cat ${direction} on ${s.name} failed: ${r.stderr}`);
    return r;
  };
  await withServers(ctx, async (servers) => {
    // Warm-up, unmeasured: the measured file each way, WARM_PASSES times, on each server. The
    // servers are fresh for this measure, and sshd-kit's cost per GiB of `cat` up fell from 1.01
    // to 0.69 s over its first four 1 GiB transfers after a quarter-size one (V8's compiler
    // threads busy in the first, the kernel's copies into and out of its buffers dearer in the
    // first three), where OpenSSH's did not move.
    for (let pass = 0; pass < WARM_PASSES; pass++)
      for (const s of servers) for (const direction of ['down', 'up'] as const) await cat(s, direction, file);
    for (let round = 0; round < ctx.rounds; round++) {
      for (const s of rotate(servers, round)) {
        for (const direction of ['down', 'up'] as const) {
          await waitForTreeSize(s.pid, 1);
          const cpu0 = treeCpuSeconds(s.pid);
          const r = await cat(s, direction, file);
          await waitForTreeSize(s.pid, 1);
          const cpu = treeCpuSeconds(s.pid) - cpu0;
          const mbs = bytes / 1e6 / r.seconds;
          const name = `exec cat ${direction} aes128-gcm (OpenSSH ssh)`;
          ctx.results.add(name, s.name, 'MB/s', 'higher', mbs, round);
          ctx.results.add(`${name} server CPU`, s.name, 's/GiB', 'lower', (cpu * GIB) / bytes, round);
          ctx.log(`round ${round + 1} ${s.name.padEnd(8)} ${name}: ${mbs.toFixed(0)} MB/s`);
        }
      }
    }
  });
}
