/**
 * Profiles sshd-kit (built dist/) under one workload with `node --cpu-prof` and prints where the
 * time goes: self time by function and by file. The .cpuprofile is kept for a flame graph
 * (open it in Chrome DevTools' Performance panel, or speedscope).
 *
 *   npx tsx bench/profile.ts [sftp-down|sftp-up|ssh2-get|ssh2-put|exec-down|exec-up|handshakes] [--cipher NAME] [--mb 256]
 *     [--concurrency 16] [--seconds 10]   (handshakes)
 */
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lastJson, runClient, runProcess } from './lib/exec.js';
import { threadCpuSeconds, treeCpuSeconds } from './lib/proc.js';
import { opensshClientArgs, prepareWorkspace, REPO, sftpBatchArgs, startServer } from './lib/servers.js';
import { ensureFile } from './measures/sftp.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cipher: { type: 'string', default: 'aes128-gcm@openssh.com' },
    mac: { type: 'string' },
    mb: { type: 'string', default: '256' },
    dir: { type: 'string', default: '/dev/shm/sshd-kit-bench' },
    top: { type: 'string', default: '35' },
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
  },
});
const workload = positionals[0] ?? 'sftp-down';
const ws = prepareWorkspace(values.dir);
const bytes = Number(values.mb) * 1024 * 1024;
const file = `bench-${values.mb}m.bin`;
await ensureFile(join(ws.home, file), bytes);
const profDir = join(REPO, 'bench', 'results', `profile-${workload}-${Date.now()}`);
mkdirSync(profDir, { recursive: true });
process.env.SSHD_KIT_NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profDir} ${process.env.PROFILE_NODE_FLAGS ?? ''}`;
const server = await startServer('sshd-kit', ws);
const algs = { cipher: values.cipher, ...(values.mac ? { mac: values.mac } : {}) };
const cpu0 = treeCpuSeconds(server.pid);
const threads0 = threadCpuSeconds(server.pid);
const t0 = performance.now();
if (workload === 'sftp-down' || workload === 'sftp-up') {
  const cmd =
    workload === 'sftp-down'
      ? `get ${server.sftpPath(file)} /dev/null`
      : `put ${join(ws.home, file)} ${server.sftpPath('up-profile.bin')}`;
  const r = await runProcess('sftp', sftpBatchArgs(ws, server, algs), { input: `${cmd}\n` });
  if (r.code !== 0) throw new Error(r.stderr);
} else if (workload === 'ssh2-get' || workload === 'ssh2-put') {
  const r = await runClient('ssh2-transfer', {
    port: server.port,
    user: server.user,
    key: ws.clientKey,
    cipher: values.cipher,
    ...(values.mac ? { mac: values.mac } : {}),
    direction: workload === 'ssh2-get' ? 'get' : 'put',
    remote: server.sftpPath(workload === 'ssh2-get' ? file : 'up-profile.bin'),
    local: workload === 'ssh2-get' ? '/dev/null' : join(ws.home, file),
  });
  lastJson(r, workload);
} else if (workload === 'exec-down' || workload === 'exec-up') {
  const base = [...opensshClientArgs(ws, algs), '-p', String(server.port), `${server.user}@127.0.0.1`];
  const r =
    workload === 'exec-down'
      ? await runProcess('ssh', [...base, `cat ${join(ws.home, file)}`])
      : await runProcess('ssh', [...base, 'cat > /dev/null'], { stdinFile: join(ws.home, file) });
  if (r.code !== 0) throw new Error(r.stderr);
} else {
  const r = await runClient('handshakes', {
    port: server.port,
    user: server.user,
    key: ws.clientKey,
    concurrency: Number(values.concurrency),
    seconds: Number(values.seconds),
  });
  console.log(`handshakes: ${lastJson<{ count: number }>(r, 'handshakes').count}`);
}
const wall = (performance.now() - t0) / 1000;
const cpu = treeCpuSeconds(server.pid) - cpu0;
const threads = [...threadCpuSeconds(server.pid)]
  .map(([name, s]) => [name, s - (threads0.get(name) ?? 0)] as const)
  .filter(([, s]) => s > 0)
  .sort((a, b) => b[1] - a[1]);
await server.stop();
console.log(`${workload}: ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s server CPU`);
console.log(`  by thread: ${threads.map(([n, s]) => `${n} ${s.toFixed(2)} s`).join(', ')}`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
if (!prof) throw new Error(`no profile written in ${profDir}`);
const data = JSON.parse(readFileSync(join(profDir, prof), 'utf8')) as {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
};
const total = data.samples.length;
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
const hits = new Map<number, number>();
for (const s of data.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
for (const n of data.nodes) {
  const h = hits.get(n.id) ?? 0;
  if (h === 0) continue;
  const url = n.callFrame.url.replace(`file://${REPO}/`, '');
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + h);
  const f = url || n.callFrame.functionName;
  byFile.set(f, (byFile.get(f) ?? 0) + h);
}
const show = (m: Map<string, number>, title: string) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
};
show(byFn, 'self time by function (main thread)');
show(byFile, 'self time by file');
console.log(`\nprofile: ${join(profDir, prof)}`);
