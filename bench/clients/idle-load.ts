/**
 * Idle connections for the memory measure: opens `connections` authenticated connections, 16 at
 * a time, each with one `session` channel open and no request on it (ssh2's client has no public
 * call for a bare session channel, so this uses its internal channel manager). Prints
 * `ready N` once all are open, then holds them until stdin closes, and ends them.
 * Args: --port --user --key --connections N [--parallel 16]
 */
import type { Client } from 'ssh2';
import { args, connectClient } from './connect.js';

const a = args();
const target = { port: Number(a.port), user: a.user!, keyFile: a.key! };
const total = Number(a.connections ?? 100);
const parallel = Number(a.parallel ?? 16);
const clients: Client[] = [];
let failed = 0;

interface Internals {
  _chanMgr: { add(cb: (err: Error | undefined, stream: unknown) => void): number };
  _protocol: { session(chan: number, window: number, packet: number): void };
}

function openBareSession(c: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    const internals = c as unknown as Internals;
    const wrapper = Object.assign((err: Error | undefined) => (err ? reject(err) : resolve()), {
      type: 'session',
    });
    const id = internals._chanMgr.add(wrapper);
    internals._protocol.session(id, 2 * 1024 * 1024, 32 * 1024);
  });
}

let next = 0;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < total) {
      next++;
      try {
        const c = await connectClient(target);
        c.on('error', () => undefined);
        await openBareSession(c);
        clients.push(c);
      } catch {
        failed++;
      }
    }
  }),
);
process.stdout.write(`ready ${clients.length} ${failed}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  for (const c of clients) c.end();
  setTimeout(() => process.exit(0), 500);
});
