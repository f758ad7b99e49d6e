// Runs the real CLI the way a user does: `node bin/run.js …` on the built dist/ (oclif command
// discovery, manifest, bin script and all), in a child process without a terminal.
//
// `ensureBuilt()` (call it in beforeAll) rebuilds dist/ with `tsc -p tsconfig.build.json` and
// `oclif manifest` when a file under src/ is newer than dist/; test files running in parallel share
// one build through a lock directory under .tmp/. In CI, `npm ci` has already built dist/.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';

/** The repository root. */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(REPO_ROOT, 'bin/run.js');
const LOCK = join(REPO_ROOT, '.tmp/cli-build.lock');

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const isStale = (): boolean =>
  !existsSync(join(REPO_ROOT, 'dist/commands/keygen.js')) ||
  newestMtime(join(REPO_ROOT, 'src'), '.ts') > newestMtime(join(REPO_ROOT, 'dist'), '.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds dist/ if it is older than src/ (see the note at the top of this file). */
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building; a lock older than five minutes is left over from a crash.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 300_000)
        rmSync(LOCK, { recursive: true, force: true });
      await sleep(250);
    }
  }
  try {
    if (!isStale()) return;
    // tsc emits even when files other helpers are still writing fail to type-check; the check
    // below is what matters here.
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'pipe' });
    } catch {
      /* type errors elsewhere: dist is still emitted */
    }
    execFileSync('npx', ['oclif', 'manifest'], { cwd: REPO_ROOT, stdio: 'pipe' });
    if (!existsSync(join(REPO_ROOT, 'dist/commands/keygen.js')))
      throw new Error('the build produced no dist/');
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** What a finished command printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runCli}. */
export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is never a terminal). */
  readonly input?: string;
  /** Extra environment; `SSHD_KIT_DATA_DIR` is removed unless given here. */
  readonly env?: Record<string, string>;
  /** Variables to remove from the environment. */
  readonly unset?: readonly string[];
  readonly cwd?: string;
}

/** Runs `node bin/run.js <args>` and collects its output. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
    if (options.env?.['SSHD_KIT_DATA_DIR'] === undefined) delete env['SSHD_KIT_DATA_DIR'];
    for (const name of options.unset ?? []) delete env[name];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined); // the command may exit before reading stdin
    child.stdin.end(options.input ?? '');
  });
}

/** Asserts a failed run printed exactly one line, `Error: …` matching `pattern`, and no stack trace. */
export function expectOneLineError(r: CliResult, exit: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^Error: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |\(file:|node:internal/);
}

/** Makes temporary directories that are removed after the test file. */
export function tempDirs(prefix = 'sshd-kit-cli-'): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
