import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOpenSshPrivateKey } from '../../src/keys/openssh-key-v1.js';
import type { PrivateKey } from '../../src/keys/types.js';

/** Options that keep the real OpenSSH client hermetic: no config, no agent, no known_hosts. */
export const HERMETIC_SSH_OPTIONS = [
  '-F',
  '/dev/null',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'GlobalKnownHostsFile=/dev/null',
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'IdentityAgent=none',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'ConnectTimeout=10',
];

/** Result of running a client process. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a command with optional stdin, collecting output; kills it after `timeoutMs`. */
export function run(
  command: string,
  args: readonly string[],
  options: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => undefined);
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Runs `ssh` against a test server on 127.0.0.1 with hermetic options plus `extra`. */
export function ssh(
  port: number,
  extra: readonly string[],
  options: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  // ssh takes the first value given for an option, so askpass's BatchMode=no must not follow a yes.
  const batch = extra.includes('BatchMode=no') ? [] : ['-o', 'BatchMode=yes'];
  return run('ssh', [...HERMETIC_SSH_OPTIONS, ...batch, '-p', String(port), ...extra], options);
}

/** Runs `sftp` in batch mode against a test server on 127.0.0.1 with hermetic options plus `extra`. */
export function sftp(
  port: number,
  extra: readonly string[],
  options: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  return run('sftp', [...HERMETIC_SSH_OPTIONS, '-o', 'BatchMode=yes', '-P', String(port), ...extra], options);
}

/** Writes a client private key file (mode 0600) in OpenSSH format and returns its path. */
export async function writeClientKey(dir: string, name: string, key: PrivateKey): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, encodeOpenSshPrivateKey(key), { mode: 0o600 });
  return path;
}

/**
 * Environment and options that make `ssh` read a password from an askpass script instead of a
 * terminal (OpenSSH ≥ 8.4 `SSH_ASKPASS_REQUIRE=force`). Returns the env and the extra options.
 */
export async function askpass(
  dir: string,
  password: string,
): Promise<{ env: NodeJS.ProcessEnv; options: string[] }> {
  const script = join(dir, `askpass-${Math.random().toString(36).slice(2)}.sh`);
  const secret = `${script}.txt`;
  writeFileSync(secret, password, { mode: 0o600 });
  writeFileSync(script, `#!/bin/sh\ncat '${secret}'\n`, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SSH_ASKPASS: script,
    SSH_ASKPASS_REQUIRE: 'force',
    DISPLAY: ':0',
  };
  return { env, options: ['-o', 'BatchMode=no', '-o', 'NumberOfPasswordPrompts=1'] };
}

/** The method `ssh -v` reports it authenticated with, or undefined when it did not. */
export function authenticatedWith(stderr: string): string | undefined {
  return /Authenticated to .* using "([^"]+)"/.exec(stderr)?.[1];
}
