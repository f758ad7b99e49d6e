import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
/** The tsx loader, by absolute path so the server can start from any working directory. */
const TSX_LOADER = path.join(repo, 'node_modules/tsx/dist/loader.mjs');
/** The command that serves our SFTP engine (or scp) on stdio. */
export const SERVER_COMMAND = `node --import ${TSX_LOADER} ${path.join(here, 'stdio-server.ts')}`;

/** A temporary area: `root` is the jail, `outside` sits next to it with a canary file. */
export interface Sandbox {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  readonly local: string;
  /** Random token stored in outside/CANARY; it must never appear in anything the server sends. */
  readonly canary: string;
  /** A program usable as `scp -S` (it stands in for ssh). */
  readonly sshShim: string;
  cleanup(): void;
}

export function makeSandbox(): Sandbox {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sshd-kit-sftp-'));
  const root = path.join(base, 'jail');
  const outside = path.join(base, 'outside');
  const local = path.join(base, 'local');
  for (const d of [root, outside, local, path.join(outside, 'dir')]) fs.mkdirSync(d, { recursive: true });
  const canary = `CANARY-${randomBytes(12).toString('hex')}`;
  fs.writeFileSync(path.join(outside, 'CANARY'), canary);
  fs.writeFileSync(path.join(outside, 'dir', 'CANARY'), canary);
  const sshShim = path.join(base, 'ssh-shim');
  fs.writeFileSync(sshShim, `#!/bin/sh\nexec ${SERVER_COMMAND} "$@"\n`, { mode: 0o755 });
  return {
    base,
    root,
    outside,
    local,
    canary,
    sshShim,
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

/** Result of running a client binary. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion. */
export function run(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs OpenSSH `sftp` in batch mode against our server on `root`. */
export function sftpBatch(
  sb: Sandbox,
  lines: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  const batch = path.join(sb.base, `batch-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(batch, lines.join('\n') + '\n');
  return run('sftp', ['-D', SERVER_COMMAND, '-b', batch], { SFTP_TEST_ROOT: sb.root, ...env }, sb.local);
}

/** Runs OpenSSH `scp` with our server standing in for ssh (`-O` for the legacy protocol). */
export function scp(sb: Sandbox, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run('scp', ['-S', sb.sshShim, ...args], { SFTP_TEST_ROOT: sb.root, ...env }, sb.local);
}

/** sha256 of every file under `dir` (relative path → hash), plus symlink targets and dirs. */
export function treeDigest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      const st = fs.lstatSync(p);
      if (e.isSymbolicLink()) out.set(rel, `link:${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) {
        out.set(rel, `dir:${(st.mode & 0o7777).toString(8)}`);
        walk(p);
      } else if (e.isFile()) {
        out.set(
          rel,
          `${(st.mode & 0o7777).toString(8)}:${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`,
        );
      } else out.set(rel, `other:${st.mode.toString(8)}`);
    }
  };
  walk(dir);
  return out;
}

/** Writes `size` pseudo-random bytes to `file` quickly (a repeated random block with a counter). */
export function writeRandomFile(file: string, size: number): void {
  const block = randomBytes(1024 * 1024);
  const fd = fs.openSync(file, 'w');
  try {
    for (let off = 0, i = 0; off < size; off += block.length, i++) {
      block.writeUInt32BE(i, 0);
      fs.writeSync(fd, block, 0, Math.min(block.length, size - off));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** True when two files have identical contents. */
export function sameFile(a: string, b: string): boolean {
  const ha = createHash('sha256').update(fs.readFileSync(a)).digest('hex');
  const hb = createHash('sha256').update(fs.readFileSync(b)).digest('hex');
  return ha === hb;
}
