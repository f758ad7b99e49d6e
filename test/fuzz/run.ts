/**
 * Fuzzes a live server from every side a peer reaches: the key exchange, user authentication,
 * and, logged in, the connection layer with sessions, SFTP, scp and forwarding; then an SFTP
 * session and in-process scp sessions straight over streams for volume. Fails on any internal error the server logs,
 * anything thrown and not caught, a server that stops serving, an SFTP request without exactly
 * one reply, an upload left behind, or a change outside the user's jail; prints the seed and the
 * last actions to replay it.
 *
 *   npx tsx test/fuzz/run.ts [--seed N] [--rounds N] [--actions N] [--mangle P] [--sftp-requests N]
 *                            [--scp-sessions N]
 */
import { parseArgs } from 'node:util';
import { connectionFuzzStats, fuzzConnection, type ConnectionFuzzStats } from './connection-fuzzer.js';
import { Dice } from './dice.js';
import { fuzzScpSession, scpFuzzStats, type ScpFuzzStats } from './scp-fuzzer.js';
import { fuzzSftpSession, sftpFuzzStats, type SftpFuzzStats } from './sftp-fuzzer.js';
import {
  authFuzzStats,
  fuzzAuthentication,
  fuzzKeyExchange,
  type AuthFuzzStats,
} from './handshake-fuzzer.js';
import { FuzzWorld } from './world.js';

/** What one round found, and what it did last. */
export interface FuzzFailure {
  readonly round: number;
  readonly problems: readonly string[];
  readonly trace: readonly string[];
}

/** What a run found, and how far it reached. */
export interface FuzzResult {
  readonly failures: FuzzFailure[];
  readonly stats: ConnectionFuzzStats;
  readonly sftpStats: SftpFuzzStats;
  readonly scpStats: ScpFuzzStats;
  readonly authStats: AuthFuzzStats;
  /** Whether anything outside the jail changed. */
  readonly outsideChanged: boolean;
  /** Open descriptors after the first round, after the last, and at most. */
  readonly fds: { readonly first: number; readonly last: number; readonly max: number };
}

/**
 * Runs `rounds` rounds, each a key-exchange peer, an authentication peer and a logged-in peer,
 * seeded from `seed` and the round's number; then checks the server still serves.
 */
export async function runFuzz(options: {
  seed: number;
  rounds: number;
  actions: number;
  mangleRate: number;
  /** Requests of the direct SFTP session each round also runs (0: none). */
  sftpRequests: number;
  /** In-process scp sessions each round also runs. */
  scpSessions: number;
  progress?: (line: string) => void;
}): Promise<FuzzResult> {
  const world = await FuzzWorld.start();
  const failures: FuzzFailure[] = [];
  const stats = connectionFuzzStats();
  const sftpStats = sftpFuzzStats();
  const scpStats = scpFuzzStats();
  const authStats = authFuzzStats();
  let outsideChanged = false;
  /** Open descriptors after each round: they must not grow with the rounds. */
  const fds: number[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      const trace: string[] = [];
      const d = new Dice(options.seed * 100_003 + round);
      try {
        await fuzzKeyExchange(world, d, trace, authStats);
        await fuzzAuthentication(world, d, trace, authStats);
        await fuzzConnection(world, d, {
          actions: options.actions,
          mangleRate: options.mangleRate,
          trace,
          stats,
        });
        if (options.sftpRequests > 0)
          await fuzzSftpSession(world, d, { requests: options.sftpRequests, trace, stats: sftpStats });
        for (let i = 0; i < options.scpSessions; i++)
          await fuzzScpSession(world, d, { trace, stats: scpStats });
      } catch (e) {
        // Our own peers may give up on a server that disconnects them; that is not a finding.
        if (!/closed|timed out|login failed/.test(String(e)))
          world.problems.push(`fuzzer: ${(e as Error).stack}`);
      }
      try {
        await world.checkServing();
      } catch (e) {
        world.problems.push(`after round ${round}: ${(e as Error).message}`);
      }
      const left = await world.leftovers();
      if (left.uploads.length) world.problems.push(`uploads left behind: ${left.uploads.join(', ')}`);
      fds.push(left.fds);
      if (world.problems.length) failures.push({ round, problems: world.problems.splice(0), trace });
      if ((round + 1) % 25 === 0)
        options.progress?.(`${round + 1} rounds, ${stats.actions} connection actions`);
    }
    outsideChanged = world.outsideChanged();
  } finally {
    await world.close().catch(() => undefined);
  }
  return {
    failures,
    stats,
    sftpStats,
    scpStats,
    authStats,
    outsideChanged,
    fds: { first: fds[0] ?? 0, last: fds.at(-1) ?? 0, max: Math.max(0, ...fds) },
  };
}

const USAGE = `Fuzzes a live sshd-kit server from every side a peer reaches.

  npm run fuzz -- [--seed N] [--rounds N] [--actions N] [--mangle P] [--sftp-requests N] [--scp-sessions N]

  --seed N            replay a run (default: from the clock; printed first)
  --rounds N          rounds of a key-exchange, an authentication and a logged-in peer (100)
  --actions N         messages the logged-in peer sends each round (400)
  --mangle P          share of its messages damaged on purpose (0.003)
  --sftp-requests N   requests of the SFTP session over streams each round (1000; 0: none)
  --scp-sessions N    in-process scp sessions each round (5)

Examples:
  npm run fuzz                                  # a few minutes
  npm run fuzz -- --rounds 1000 --sftp-requests 20000
  npm run fuzz -- --seed 4242 --rounds 300     # replay "seed 4242" (give the same flags)`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const parsed = (() => {
    try {
      return parseArgs({
        options: {
          seed: { type: 'string', default: String(Date.now() % 1_000_000) },
          rounds: { type: 'string', default: '100' },
          actions: { type: 'string', default: '400' },
          mangle: { type: 'string', default: '0.003' },
          'sftp-requests': { type: 'string', default: '1000' },
          'scp-sessions': { type: 'string', default: '5' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
    } catch (err) {
      console.error(`${(err as Error).message.split('.')[0]}; see --help`);
      process.exit(2);
    }
  })();
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const numbers = ['seed', 'rounds', 'actions', 'mangle', 'sftp-requests', 'scp-sessions'] as const;
  for (const name of numbers) {
    if (!Number.isFinite(Number(values[name])) || Number(values[name]) < 0) {
      console.error(`--${name} takes a non-negative number, not ${JSON.stringify(values[name])}`);
      process.exit(2);
    }
  }
  const seed = Number(values.seed);
  console.log(`fuzzing with seed ${seed}`);
  const result = await runFuzz({
    seed,
    rounds: Number(values.rounds),
    actions: Number(values.actions),
    mangleRate: Number(values.mangle),
    sftpRequests: Number(values['sftp-requests']),
    scpSessions: Number(values['scp-sessions']),
    progress: (line) => console.log(line),
  });
  for (const f of result.failures) {
    console.log(`\nround ${f.round} (--seed ${seed}): ${f.problems.length} problem(s)`);
    for (const p of f.problems.slice(0, 5)) console.log(`  ${p}`);
    console.log(`  last actions: ${f.trace.slice(-15).join(' | ')}`);
  }
  const { stats } = result;
  console.log(
    `\n${stats.actions} connection actions, ${stats.sftpReplies} SFTP replies, ${stats.handles} handles, ` +
      `${stats.serverOpens} channels opened by the server; ` +
      `peers ended by: ${[...stats.endings].map(([why, n]) => `${why} ×${n}`).join('; ')}`,
  );
  const sftp = result.sftpStats;
  console.log(
    `handshakes: ${result.authStats.proxyHeaders} PROXY headers sent first, ` +
      `${result.authStats.certificates} certificates offered, ${result.authStats.certificateLogins} logins with one`,
  );
  console.log(
    `direct SFTP: ${sftp.requests} requests, ${sftp.replies} replies, ${sftp.handles} handles, ` +
      `${sftp.endedByServer} sessions ended by the server; ` +
      `in-process scp: ${result.scpStats.sessions} sessions, ${result.scpStats.exitZero} with exit status 0`,
  );
  console.log(
    `open descriptors after the first round ${result.fds.first}, the last ${result.fds.last}, at most ${result.fds.max}`,
  );
  if (result.outsideChanged) console.log('FILES OUTSIDE THE JAIL CHANGED');
  const failed = result.failures.length > 0 || result.outsideChanged;
  console.log(failed ? 'FAILED' : 'no problems found');
  process.exitCode = failed ? 1 : 0;
}
