/**
 * Handshake load: `concurrency` loops, each connecting (curve25519, ssh-ed25519 host key,
 * publickey auth), running `exec true`, waiting for the channel to close and disconnecting,
 * until `seconds` have passed. Prints `{"count","seconds","latenciesMs":[…],"errors"}`.
 * Args: --port --user --key --concurrency N --seconds S
 */
import { args, connectClient } from './connect.js';

const a = args();
const target = { port: Number(a.port), user: a.user!, keyFile: a.key! };
const concurrency = Number(a.concurrency ?? 1);
const until = performance.now() + Number(a.seconds ?? 10) * 1000;
const latencies: number[] = [];
let errors = 0;

async function once(): Promise<void> {
  const t0 = performance.now();
  const c = await connectClient(target);
  await new Promise<void>((res, rej) => {
    c.exec('true', (err, stream) => {
      if (err) return rej(err);
      stream.on('close', () => res());
      stream.resume();
    });
  });
  await new Promise<void>((res) => {
    c.once('close', () => res());
    c.end();
  });
  latencies.push(performance.now() - t0);
}

const start = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      try {
        await once();
      } catch {
        errors++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }),
);
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ count: latencies.length, seconds, latenciesMs: latencies, errors }));
