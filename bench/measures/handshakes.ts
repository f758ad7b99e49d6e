/**
 * Handshakes per second: connect, curve25519-sha256, ssh-ed25519 host key, publickey auth,
 * `exec true`, disconnect — from an ssh2 load generator in its own process, at concurrency 1
 * and 16: rate, p50/p99 latency, server CPU ms per handshake.
 */
import { rotate, withServers, type BenchContext } from '../lib/context.js';
import { lastJson, runClient } from '../lib/exec.js';
import { treeCpuSeconds, waitForTreeSize } from '../lib/proc.js';
import { percentile } from '../lib/stats.js';

interface HandshakeRun {
  count: number;
  seconds: number;
  latenciesMs: number[];
  errors: number;
}

/** The handshake measure. */
export async function handshakeMeasure(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 4 : 10;
  await withServers(ctx, async (servers) => {
    // Warm-up, unmeasured, as in the SFTP and exec measures: 3 s of load at concurrency 16 on
    // each server, so round 1 does not include the Node servers' JIT compilation.
    for (const s of servers)
      await runClient('handshakes', {
        port: s.port,
        user: s.user,
        key: ctx.ws.clientKey,
        concurrency: 16,
        seconds: 3,
      });
    for (let round = 0; round < ctx.rounds; round++) {
      for (const concurrency of [1, 16]) {
        for (const s of rotate(servers, round)) {
          await waitForTreeSize(s.pid, 1);
          const cpu0 = treeCpuSeconds(s.pid);
          const r = lastJson<HandshakeRun>(
            await runClient('handshakes', {
              port: s.port,
              user: s.user,
              key: ctx.ws.clientKey,
              concurrency,
              seconds,
            }),
            `handshakes on ${s.name}`,
          );
          await waitForTreeSize(s.pid, 1);
          const cpu = treeCpuSeconds(s.pid) - cpu0;
          const rate = r.count / r.seconds;
          const label = `handshakes c=${concurrency}`;
          const add = (measure: string, unit: string, better: 'higher' | 'lower', value: number) =>
            ctx.results.add(measure, s.name, unit, better, value, round);
          add(label, 'per s', 'higher', rate);
          add(`${label} p50 latency`, 'ms', 'lower', percentile(r.latenciesMs, 50));
          add(`${label} p99 latency`, 'ms', 'lower', percentile(r.latenciesMs, 99));
          add(`${label} server CPU`, 'ms each', 'lower', (cpu * 1000) / r.count);
          ctx.log(
            `round ${round + 1} ${s.name.padEnd(8)} ${label}: ${rate.toFixed(1)}/s, p50 ${percentile(r.latenciesMs, 50).toFixed(1)} ms, ` +
              `${((cpu * 1000) / r.count).toFixed(2)} ms CPU each${r.errors ? `, ${r.errors} errors` : ''}`,
          );
        }
      }
    }
  });
}
