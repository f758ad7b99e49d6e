import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureOutput } from '@oclif/test';
import { format } from 'node:util';
import { afterEach, vi } from 'vitest';
import { runCli, type CliResult, type RunOptions } from './helpers.js';

export { ensureBuilt, expectOneLineError, REPO_ROOT, type CliResult } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Run `sshd-kit <id words> <args>` through the built `bin/run.js` in a child process without a
 * terminal (helper A's `runCli`; call `ensureBuilt` in `beforeAll`). `id` is `user:add` style.
 */
export function runUserCli(
  id: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CliResult> {
  return runCli([...id.split(':'), ...args], options);
}

/**
 * Run a command in this process (fast; no stdin, no terminal), capturing what it prints. Use
 * {@link runUserCli} for anything that reads stdin or depends on the environment.
 */
export async function runUserCommand(
  id: string,
  args: readonly string[],
): Promise<CliResult & { result: unknown }> {
  const file = new URL(`../../src/commands/${id.replaceAll(':', '/')}.ts`, import.meta.url).pathname;
  const mod = (await import(/* @vite-ignore */ file)) as {
    default: { run(argv: string[], root: string): Promise<unknown> };
  };
  // oclif prints through console.log/console.error, which vitest intercepts: collect those too.
  const logged = { stdout: '', stderr: '' };
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void (logged.stdout += `${format(...a)}\n`));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void (logged.stderr += `${format(...a)}\n`));
  try {
    const out = await captureOutput(() => mod.default.run([...args], ROOT), { stripAnsi: true });
    const exit = out.error === undefined ? 0 : (out.error.oclif?.exit ?? 1);
    return {
      code: exit,
      stdout: logged.stdout + out.stdout,
      stderr: logged.stderr + out.stderr,
      result: out.result,
    };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** A fresh data directory per call, removed after each test. */
export function useDataDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'sshd-kit-cli-'));
    dirs.push(d);
    return join(d, 'data');
  };
}

/** The absolute path of a fixture under test/fixtures/users. */
export const userFixture = (name: string): string =>
  new URL(`../fixtures/users/${name}`, import.meta.url).pathname;
