/** Running client processes for the benchmark. */
import { spawn, type StdioOptions } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './servers.js';

/** What a finished client process left. */
export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs a command; stdin from a file path or a string; stdout discarded unless `capture`. */
export function runProcess(
  cmd: string,
  argv: readonly string[],
  o: { stdinFile?: string; input?: string; capture?: boolean; timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const stdinFd = o.stdinFile ? openSync(o.stdinFile, 'r') : undefined;
    const stdio: StdioOptions = [stdinFd ?? 'pipe', o.capture ? 'pipe' : 'ignore', 'pipe'];
    const t0 = performance.now();
    // Its own process group, so a timeout ends the client's helpers too (sftp runs an ssh).
    const child = spawn(cmd, argv, { stdio, detached: true });
    if (stdinFd !== undefined) closeSync(stdinFd);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, o.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out, stderr: err, seconds: (performance.now() - t0) / 1000 });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(o.input ?? '');
    }
  });
}

/**
 * Runs one of `bench/clients/*.ts` in its own node process (with a raised fd limit), with
 * `nodeFlags` (node's and V8's options) before the script.
 */
export function runClient(
  name: string,
  flags: Record<string, string | number>,
  timeoutMs?: number,
  nodeFlags: readonly string[] = [],
) {
  const argv = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const script = join(REPO, 'bench', 'clients', `${name}.ts`);
  return runProcess(
    '/bin/sh',
    [
      '-c',
      `ulimit -n 65536 2>/dev/null; exec "$0" --import tsx "$@"`,
      process.execPath,
      ...nodeFlags,
      script,
      ...argv,
    ],
    { capture: true, ...(timeoutMs ? { timeoutMs } : {}) },
  );
}

/** Parses the last JSON line a client printed. */
export function lastJson<T>(f: Finished, what: string): T {
  const line = f.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${what} failed (exit ${f.code}): ${f.stderr.slice(-500)}`);
  }
}
