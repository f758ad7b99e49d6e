/**
 * What the ssh2 client's hand-offs to its own threads do to the fastGet/fastPut rows. ssh2 writes
 * (or reads) the local file one 32 KiB chunk at a time through libuv's thread pool, and V8 hands
 * garbage collection and compiling to helper threads; on a small VM the cost of each hand-off
 * depends on what the other vCPU is doing, i.e. on the server under test. This runs the same
 * transfer against each server, alternating, three ways: as ssh2 runs; with the client's local
 * file I/O on its event loop; and with that and V8 single-threaded too. It prints the medians and
 * each server's ratio to the first one.
 *
 *   npx tsx bench/client-handoff.ts [--servers openssh,sshd-kit] [--rounds 3] [--mb 1024]
 *                                   [--cipher NAME] [--mac NAME] [--up]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rotate } from './lib/context.js';
import { lastJson, runClient } from './lib/exec.js';
import { treeCpuSeconds, waitForTreeSize } from './lib/proc.js';
import {
  prepareWorkspace,
  SERVER_NAMES,
  startServer,
  type RunningServer,
  type ServerName,
} from './lib/servers.js';
import { median } from './lib/stats.js';
import { ensureFile } from './measures/sftp.js';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: 'openssh,sshd-kit' },
    rounds: { type: 'string', default: '3' },
    mb: { type: 'string', default: '1024' },
    cipher: { type: 'string', default: 'aes128-gcm@openssh.com' },
    mac: { type: 'string' },
    up: { type: 'boolean', default: false },
    dir: { type: 'string', default: '/dev/shm/sshd-kit-bench' },
  },
});
const names = values.servers.split(',') as ServerName[];
for (const n of names)
  if (!SERVER_NAMES.includes(n)) throw new Error(`--servers takes some of ${SERVER_NAMES.join(', ')}`);
const rounds = Number(values.rounds);
const gib = Number(values.mb) / 1024;
const ws = prepareWorkspace(values.dir);
const file = `bench-${values.mb}m.bin`;
await ensureFile(join(ws.home, file), Number(values.mb) * 1024 * 1024);
const UPLOAD_NAME = 'client-handoff-up.bin';

/** How the client runs: its local file I/O's place, and node's flags. */
interface ClientMode {
  readonly label: string;
  readonly localIo: 'pool' | 'loop';
  readonly nodeFlags: readonly string[];
}
const MODES: readonly ClientMode[] = [
  { label: 'as ssh2 runs', localIo: 'pool', nodeFlags: [] },
  { label: 'file I/O on the loop', localIo: 'loop', nodeFlags: [] },
  { label: 'and V8 single-threaded', localIo: 'loop', nodeFlags: ['--single-threaded'] },
];

/** One transfer: MB/s, and client and server CPU seconds per GiB. */
async function transfer(s: RunningServer, mode: ClientMode) {
  if (values.up) rmSync(join(ws.home, UPLOAD_NAME), { force: true });
  await waitForTreeSize(s.pid, 1);
  const cpu0 = treeCpuSeconds(s.pid);
  const r = await runClient(
    'ssh2-transfer',
    {
      port: s.port,
      user: s.user,
      key: ws.clientKey,
      cipher: values.cipher,
      ...(values.mac ? { mac: values.mac } : {}),
      direction: values.up ? 'put' : 'get',
      remote: s.sftpPath(values.up ? UPLOAD_NAME : file),
      local: values.up ? join(ws.home, file) : '/dev/null',
      'local-io': mode.localIo,
    },
    undefined,
    mode.nodeFlags,
  );
  // OpenSSH's per-connection processes have exited (their time is in the listener's) once the
  // tree is back to one process.
  await waitForTreeSize(s.pid, 1);
  const serverCpu = treeCpuSeconds(s.pid) - cpu0;
  const j = lastJson<{ seconds: number; clientCpuSeconds: number }>(r, `ssh2 on ${s.name}`);
  return { mbs: (gib * 1073.741824) / j.seconds, client: j.clientCpuSeconds / gib, server: serverCpu / gib };
}

const servers: RunningServer[] = [];
const samples = new Map<string, { mbs: number; client: number; server: number }[]>();
try {
  for (const n of names) servers.push(await startServer(n, ws));
  // One unmeasured transfer each, so every server is warm (see the sftp measure).
  for (const s of servers) await transfer(s, MODES[0]!);
  for (let round = 0; round < rounds; round++)
    for (const mode of rotate(MODES, round))
      for (const s of rotate(servers, round)) {
        const x = await transfer(s, mode);
        const key = `${mode.label} ${s.name}`;
        samples.set(key, [...(samples.get(key) ?? []), x]);
        console.log(
          `round ${round + 1} ${mode.label.padEnd(22)} ${s.name.padEnd(8)} ${x.mbs.toFixed(0)} MB/s, client ${x.client.toFixed(2)} s/GiB, server ${x.server.toFixed(2)} s/GiB`,
        );
      }
} finally {
  for (const s of servers) await s.stop();
  if (values.up) rmSync(join(ws.home, UPLOAD_NAME), { force: true });
}

console.log(
  `\nmedians, ${values.up ? 'fastPut' : 'fastGet'} ${values.cipher}${values.mac ? ` + ${values.mac}` : ''}:`,
);
for (const mode of MODES) {
  const base = median(samples.get(`${mode.label} ${names[0]}`)!.map((x) => x.mbs));
  for (const n of names) {
    const xs = samples.get(`${mode.label} ${n}`)!;
    const mbs = median(xs.map((x) => x.mbs));
    console.log(
      `${mode.label.padEnd(22)} ${n.padEnd(8)} ${mbs.toFixed(0)} MB/s (${(mbs / base).toFixed(2)}×), ` +
        `client ${median(xs.map((x) => x.client)).toFixed(2)} s/GiB, server ${median(xs.map((x) => x.server)).toFixed(2)} s/GiB`,
    );
  }
}
