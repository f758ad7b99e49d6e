/**
 * The benchmark: sshd-kit side by side with OpenSSH's sshd and an ssh2-based server, on this
 * machine, with the same clients, interleaved over several rounds; prints medians and ratios
 * against OpenSSH, and writes JSON and markdown to bench/results/.
 *
 *   npm run bench -- [all|sftp|exec|handshakes|memory|limits] [--quick] [--rounds N]
 *                    [--servers openssh,ssh2,sshd-kit] [--dir /dev/shm/sshd-kit-bench]
 *
 * sshd-kit is measured from dist/ (`npm run build` first). Needs Debian's openssh-server (its
 * sshd binary is run as our own process; no service is started) and openssh-client.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import type { BenchContext } from './lib/context.js';
import { prepareWorkspace, REPO, SERVER_NAMES, type ServerName } from './lib/servers.js';
import { markdownTable, Results } from './lib/stats.js';
import { execMeasure } from './measures/exec.js';
import { handshakeMeasure } from './measures/handshakes.js';
import { limitsMeasure } from './measures/limits.js';
import { memoryMeasure } from './measures/memory.js';
import { sftpMeasure } from './measures/sftp.js';

const MEASURES = {
  limits: limitsMeasure,
  sftp: sftpMeasure,
  exec: execMeasure,
  handshakes: handshakeMeasure,
  memory: memoryMeasure,
} as const;

const USAGE = `Benchmarks sshd-kit against OpenSSH's sshd and an ssh2-based server on this machine.

  npm run bench -- [all|sftp|exec|handshakes|memory|limits] [--quick] [--rounds N]
                   [--servers openssh,ssh2,sshd-kit] [--dir /dev/shm/sshd-kit-bench]

  --quick      one round with smaller transfers: the regression check (about ten minutes)
  --rounds N   rounds to interleave and take medians over (default 3)
  --servers    which servers to run (default all three)
  --dir        workspace for keys, homes and test files (default /dev/shm/sshd-kit-bench)

Examples:
  npm run bench                         # everything, three rounds
  npm run bench -- --quick
  npm run bench -- sftp --servers openssh,sshd-kit --rounds 5`;

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        rounds: { type: 'string' },
        servers: { type: 'string' },
        dir: { type: 'string', default: '/dev/shm/sshd-kit-bench' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message.split('.')[0]}; see --help`);
    process.exit(2);
  }
})();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const which = positionals[0] ?? 'all';
if (which !== 'all' && !(which in MEASURES)) {
  console.error(`unknown measure ${which}: use all, ${Object.keys(MEASURES).join(', ')}`);
  process.exit(2);
}
const servers = (values.servers?.split(',') ?? [...SERVER_NAMES]) as ServerName[];
for (const s of servers) {
  if (!SERVER_NAMES.includes(s)) {
    console.error(`unknown server ${s}: use ${SERVER_NAMES.join(', ')}`);
    process.exit(2);
  }
}
if (values.rounds !== undefined && !(Number.isInteger(Number(values.rounds)) && Number(values.rounds) > 0)) {
  console.error(`--rounds takes a positive whole number, not ${JSON.stringify(values.rounds)}`);
  process.exit(2);
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 1024 ** 3),
  kernel: version('uname', ['-r']),
  node: process.version,
  openssh: version('ssh', ['-V']),
  openssl: version('openssl', ['version']),
  sshdKit: version('git', ['-C', process.env.SSHD_KIT_ROOT ?? REPO, 'rev-parse', '--short', 'HEAD']),
};

const ctx: BenchContext = {
  ws: prepareWorkspace(values.dir),
  quick: values.quick,
  rounds: Number(values.rounds ?? (values.quick ? 1 : 3)),
  servers,
  results: new Results(),
  notes: {},
  log: (m) => console.error(`[bench] ${m}`),
};

const started = new Date();
const run =
  which === 'all' ? (Object.keys(MEASURES) as (keyof typeof MEASURES)[]) : [which as keyof typeof MEASURES];
for (const m of run) {
  ctx.log(`— ${m}${ctx.quick ? ' (quick)' : ''}, ${ctx.rounds} round(s)`);
  await MEASURES[m](ctx);
}

const serverCols = servers as readonly string[];
const machineRows = ctx.results.filter((s) => s.server === 'machine');
const serverRows = ctx.results.filter((s) => s.server !== 'machine');
let md = `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Linux ${machine.kernel}; node ${machine.node}; ${machine.openssh}; sshd-kit ${machine.sshdKit}. Medians of ${ctx.rounds} round(s)${ctx.quick ? ', quick mode' : ''}; ratios are sshd-kit (or ssh2) ÷ OpenSSH.\n\n`;
if (serverRows.samples.size > 0) md += `${markdownTable(serverRows, serverCols)}\n`;
if (machineRows.samples.size > 0) md += `\n${markdownTable(machineRows, ['machine'])}\n`;
console.log(md);

const dir = join(REPO, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
const base = join(dir, `${stamp}-${which}${ctx.quick ? '-quick' : ''}`);
writeFileSync(
  `${base}.json`,
  `${JSON.stringify({ started, machine, quick: ctx.quick, rounds: ctx.rounds, servers, notes: ctx.notes, samples: [...ctx.results.samples.values()] }, null, 2)}\n`,
);
writeFileSync(`${base}.md`, md);
ctx.log(`wrote ${base}.json and .md`);
