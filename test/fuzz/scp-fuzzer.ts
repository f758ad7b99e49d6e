import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runScp } from '../../src/sftp/scp/run.js';
import { createLocalVfs } from '../../src/sftp/vfs/local/local-fs.js';
import type { Dice } from './dice.js';
import type { FuzzWorld } from './world.js';

/** Commands as scp clients send them, with paths in and out of the jail, and some no client sends. */
const COMMANDS = [
  'scp -t .',
  'scp -t new.bin',
  'scp -r -t dir',
  'scp -d -t dir',
  'scp -p -t dir/sub',
  'scp -t ../outside',
  'scp -t out',
  'scp -r -t out/',
  'scp -f file',
  'scp -f dir/small',
  'scp -r -f dir',
  'scp -p -f file dir/small',
  'scp -f dir/*',
  "scp -f 'dir/sm*'",
  'scp -f out/CANARY',
  'scp -f canary',
  'scp -r -f loop1',
  'scp -f ../outside/CANARY',
  'scp -f nope',
  'scp -t',
  'scp -x -t .',
  'scp -t . ; echo hi',
  'scp -f $(id)',
  'scp -- -t .',
];

/** Names a sink is told to create: ordinary, escaping, odd. */
const NAMES = [
  'f',
  'new.bin',
  'sub',
  '..',
  '.',
  '../x',
  'a/b',
  'out',
  'canary',
  'x'.repeat(300),
  'nul\0x',
  '',
  'é',
];

/** One line of the scp protocol as a client sends it to a sink, with the file data after a C line. */
function sinkRecord(d: Dice): Buffer {
  switch (d.int(8)) {
    case 0:
    case 1:
    case 2: {
      const size = d.pick([0, 1, 5, 4096, 70_000, d.int(200)]);
      const declared = d.chance(0.9)
        ? String(size)
        : d.pick([String(size + 1), '99999999999999999999', '-1']);
      const mode = d.chance(0.9)
        ? d.pick(['0644', '0600', '0755', '4755'])
        : d.pick(['7777', 'xyz', '', '06444']);
      const data = d.bytes(size);
      const status = d.chance(0.9)
        ? Buffer.from([0])
        : Buffer.from(d.pick(['\x01oops\n', '\x02fatal\n', 'junk']));
      return Buffer.concat([Buffer.from(`C${mode} ${declared} ${d.pick(NAMES)}\n`), data, status]);
    }
    case 3:
      return Buffer.from(`D${d.pick(['0755', '0700', 'zz'])} 0 ${d.pick(NAMES)}\n`);
    case 4:
      return Buffer.from('E\n');
    case 5:
      return Buffer.from(
        `T${d.pick(['1700000000', '99999999999999999999', '-5', 'x'])} 0 ${d.pick(['1700000000', '0'])} 0\n`,
      );
    case 6:
      return Buffer.from(d.pick(['\x01warning\n', '\x02fatal\n', '\0']));
    default:
      return d.bytes(d.int(40));
  }
}

/** Counts over a run of scp sessions. */
export interface ScpFuzzStats {
  sessions: number;
  exitZero: number;
}

/** A new, empty {@link ScpFuzzStats}. */
export function scpFuzzStats(): ScpFuzzStats {
  return { sessions: 0, exitZero: 0 };
}

/**
 * One in-process scp (`scp -O`'s protocol) straight over streams on the world's jailed home: a
 * random command, then as a sink random records with their data, or as a source random acks and
 * errors. It must settle with an exit status (never throw, never hang), log no internal error,
 * and leave no upload behind; the world checks the jail. A third of the sessions are clean (one
 * file up, or one down with every ack given), and those must end with status 0.
 */
export async function fuzzScpSession(
  world: FuzzWorld,
  d: Dice,
  options: { trace: string[]; stats: ScpFuzzStats },
): Promise<void> {
  const input = new PassThrough();
  const output = new PassThrough();
  const stderr = new PassThrough();
  stderr.resume();
  const clean = d.chance(0.3);
  // A clean download reads a file written just now: the other fuzzers rename and remove freely.
  const fresh = `scp-src-${d.int(1000)}.bin`;
  if (clean) fs.writeFileSync(path.join(world.root, fresh), d.bytes(d.int(100_000)));
  const command = clean
    ? d.pick(['scp -t .', `scp -f ${fresh}`, `scp -p -f ${fresh}`])
    : d.chance(0.95)
      ? d.pick(COMMANDS)
      : `scp ${d.bytes(d.int(30)).toString('latin1')}`;
  options.trace.push(`scp${clean ? ' (clean)' : ''}: ${JSON.stringify(command)}`);
  const vfs = createLocalVfs({
    root: world.root,
    atomicUploads: d.chance(0.8),
    readOnly: !clean && d.chance(0.1),
  });
  const status = runScp(command, { input, output, stderr }, vfs, { log: world.log, username: 'alice' });

  const sink = / -[a-z]*t/.test(command);
  if (sink) {
    // The client may write ahead of the sink's acks; it reads them only to stop on an error.
    const data = d.bytes(d.int(100_000));
    const records = clean
      ? [Buffer.concat([Buffer.from(`C0644 ${data.length} up-${d.int(1000)}.bin\n`), data, Buffer.from([0])])]
      : Array.from({ length: 1 + d.int(12) }, () => sinkRecord(d));
    for (const r of records) input.write(r);
    if (clean || d.chance(0.8)) input.end();
    else setTimeout(() => input.end(), d.int(50));
  } else {
    // As the client of a source: answer each thing it sends with an ack (or an error, or garbage).
    output.on('data', () => {
      if (!input.writable) return;
      input.write(
        clean || d.chance(0.9) ? Buffer.from([0]) : Buffer.from(d.pick(['\x01no\n', '\x02stop\n', 'z'])),
      );
    });
    input.write(Buffer.from([0]));
    if (clean) output.on('end', () => input.end());
    else if (d.chance(0.5)) input.end();
    else setTimeout(() => input.end(), d.int(50));
  }
  output.resume();
  const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000));
  const result = await Promise.race([status, timeout]);
  if (result === 'hung') world.problems.push(`scp did not finish: ${JSON.stringify(command)}`);
  else if (result === 0) options.stats.exitZero++;
  else if (clean) world.problems.push(`clean scp ended with status ${result}: ${JSON.stringify(command)}`);
  options.stats.sessions++;
}
