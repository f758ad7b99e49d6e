// Runs `sshd-kit serve` as a user does — the built bin/run.js in a child process without a
// terminal — and reads its JSON log lines from stdout (see helpers.ts for how dist/ is built).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { hashPassword } from '../../src/users/password-hash.js';
import { SqliteUserStore } from '../../src/users/sqlite-store.js';
import { REPO_ROOT } from './helpers.js';

/** The built CLI. */
export const BIN = join(REPO_ROOT, 'bin/run.js');

/** One JSON log line. */
export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** Host key fixtures (made by ssh-keygen) copied in as `ssh_host_*_key`, so tests skip RSA generation. */
export function seedHostKeys(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const fixtures = join(REPO_ROOT, 'test/fixtures/keys');
  for (const [from, kind] of [
    ['ed25519', 'ed25519'],
    ['ecdsa-256', 'ecdsa'],
    ['rsa-2048', 'rsa'],
  ] as const) {
    copyFileSync(join(fixtures, from), join(dataDir, `ssh_host_${kind}_key`));
    copyFileSync(join(fixtures, `${from}.pub`), join(dataDir, `ssh_host_${kind}_key.pub`));
  }
}

/** Adds a user to the data directory's store (cheap scrypt parameters). */
export async function addUser(
  dataDir: string,
  name: string,
  options: { password?: string; keys?: readonly PrivateKey[]; portForwarding?: boolean } = {},
): Promise<void> {
  const store = SqliteUserStore.open(dataDir);
  try {
    await store.add({
      name,
      ...(options.password === undefined
        ? {}
        : { passwordHash: await hashPassword(options.password, { ln: 10, r: 8, p: 1 }) }),
      ...(options.portForwarding ? { permissions: { portForwarding: true } } : {}),
      authorizedKeys: (options.keys ?? []).map((k) =>
        parseAuthorizedKeyLine(formatPublicKeyLine(k.publicKey, 't')),
      ),
    });
  } finally {
    await store.close();
  }
}

/** A running `serve` process. */
export class ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    args: readonly string[],
    options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
  ) {
    const full = { ...process.env, NO_COLOR: '1', ...options.env } as Record<string, string>;
    if (options.env?.['SSHD_KIT_DATA_DIR'] === undefined) delete full['SSHD_KIT_DATA_DIR'];
    this.child = spawn(process.execPath, [BIN, 'serve', ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: full,
      stdio: 'pipe',
    });
    this.child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    this.child.stdin.on('error', () => undefined);
    this.child.stdin.end(options.input ?? '');
  }

  /** Every JSON line logged so far (non-JSON lines fail the test: stdout must hold only logs). */
  lines(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          throw new Error(`stdout has a line that is not JSON: ${l}`);
        }
      });
  }

  /** Waits for a log line matching `test` (or the process to exit, which fails). */
  async waitFor(test: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const found = this.lines().find(test);
      if (found) return found;
      if (exited || Date.now() > deadline)
        throw new Error(
          `no such log line (exited: ${exited})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Waits for the `listening` line and returns its port. */
  async port(): Promise<number> {
    const line = await this.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('listening on'));
    return line['port'] as number;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops the process if it still runs (SIGKILL) and waits for it. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts `serve --port 0 --listen 127.0.0.1 --log-format json [--data-dir DIR] …args`. */
export function startServe(
  dataDir: string | undefined,
  args: readonly string[] = [],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): ServeProcess {
  const dirArgs = dataDir === undefined ? [] : ['--data-dir', dataDir];
  return new ServeProcess(
    ['--port', '0', '--listen', '127.0.0.1', '--log-format', 'json', ...dirArgs, ...args],
    options,
  );
}

/** Asserts the log lines of a process never contain `secret` (in any field). */
export function expectNoSecret(text: string, secret: string): void {
  expect(text.includes(secret), `log output contains the secret ${JSON.stringify(secret)}`).toBe(false);
}
