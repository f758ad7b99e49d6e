/**
 * Several 1 GiB SFTP transfers against one server, with idle pauses between them, and what each
 * cost: wall time, server CPU per GiB (by thread) and minor page faults. The benchmark interleaves
 * servers, so each of sshd-kit's transfers follows 10–20 s of idleness; this shows whether the
 * server stays warm across such pauses (it did not, before the idle collection waited for a
 * burst: see src/server/idle-collector.ts). Compare `--pause 1` with `--pause 12`.
 *
 *   npx tsx bench/idle-pauses.ts [--server sshd-kit|openssh|ssh2] [--count 5] [--pause 12]
 *                                [--mb 1024] [--cipher NAME] [--up]
 *
 * SSHD_KIT_NODE_OPTIONS adds node flags to sshd-kit (`--trace-deopt`, `--trace-gc`; the server's
 * output goes to /dev/shm/sshd-kit-bench/logs/).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runProcess } from './lib/exec.js';
import { minorFaults, threadCpuSeconds, treeCpuSeconds } from './lib/proc.js';
import {
  prepareWorkspace,
  SERVER_NAMES,
  sftpBatchArgs,
  startServer,
  type ServerName,
} from './lib/servers.js';
import { ensureFile } from './measures/sftp.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'sshd-kit' },
    count: { type: 'string', default: '5' },
    pause: { type: 'string', default: '12' },
    mb: { type: 'string', default: '1024' },
    cipher: { type: 'string', default: 'aes128-gcm@openssh.com' },
    up: { type: 'boolean', default: false },
    dir: { type: 'string', default: '/dev/shm/sshd-kit-bench' },
  },
});
const name = values.server as ServerName;
if (!SERVER_NAMES.includes(name)) throw new Error(`--server is one of ${SERVER_NAMES.join(', ')}`);
const count = Number(values.count);
const pauseMs = Number(values.pause) * 1000;
const gib = Number(values.mb) / 1024;
const ws = prepareWorkspace(values.dir);
const file = `bench-${values.mb}m.bin`;
await ensureFile(join(ws.home, file), Number(values.mb) * 1024 * 1024);

const UPLOAD_NAME = 'idle-pauses-up.bin';

const server = await startServer(name, ws);
try {
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
    // A new file for every upload, as the sftp measure does: replacing the last one would
    // measure the file system's reuse of freed pages, not the server.
    if (values.up) rmSync(join(ws.home, UPLOAD_NAME), { force: true });
    const faults0 = minorFaults(server.pid);
    const cpu0 = treeCpuSeconds(server.pid);
    const threads0 = threadCpuSeconds(server.pid);
    const t0 = performance.now();
    const command = values.up
      ? `put ${join(ws.home, file)} ${server.sftpPath(UPLOAD_NAME)}`
      : `get ${server.sftpPath(file)} /dev/null`;
    const r = await runProcess('sftp', sftpBatchArgs(ws, server, { cipher: values.cipher }), {
      input: `${command}\n`,
    });
    if (r.code !== 0) throw new Error(r.stderr);
    const wall = (performance.now() - t0) / 1000;
    const cpu = (treeCpuSeconds(server.pid) - cpu0) / gib;
    const threads = [...threadCpuSeconds(server.pid)]
      .map(([thread, s]) => [thread, (s - (threads0.get(thread) ?? 0)) / gib] as const)
      .filter(([, s]) => s >= 0.01)
      .map(([thread, s]) => `${thread} ${s.toFixed(2)}`)
      .join(', ');
    console.log(
      `#${i}: ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU/GiB (${threads}), ` +
        `${minorFaults(server.pid) - faults0} minor faults`,
    );
  }
} finally {
  await server.stop();
}
