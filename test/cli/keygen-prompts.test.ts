// `sshd-kit keygen` with a person at a terminal: the built bin/run.js inside a pseudo-terminal
// (node-pty), answering the inquirer passphrase prompts by typing (see helpers.ts for the build).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT, tempDirs } from './helpers.js';

const tmp = tempDirs();
beforeAll(ensureBuilt, 120_000);

/** Runs the CLI in a pty; `steps` are [text to wait for, keys to type] in order. */
function runInPty(args: string[], steps: [RegExp, string][]): Promise<{ code: number; screen: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1' } as Record<string, string>;
    delete env['SSHD_KIT_DATA_DIR'];
    const term = spawnPty(process.execPath, [join(REPO_ROOT, 'bin/run.js'), ...args], {
      cols: 120,
      rows: 30,
      cwd: REPO_ROOT,
      env,
    });
    let screen = '';
    let seen = 0;
    const timer = setTimeout(() => {
      term.kill();
      reject(new Error(`timed out; screen so far:\n${screen}`));
    }, 20_000);
    term.onData((d) => {
      screen += d;
      const step = steps[0];
      if (step !== undefined && step[0].test(screen.slice(seen))) {
        seen = screen.length;
        steps.shift();
        term.write(step[1]);
      }
    });
    term.onExit(({ exitCode }) => {
      clearTimeout(timer);
      resolve({ code: exitCode, screen });
    });
  });
}

describe('keygen prompts at a terminal', () => {
  it('asks for the passphrase twice (again on a mismatch) and encrypts the key', async () => {
    const out = tmp();
    const r = await runInPty(
      ['keygen', '-t', 'ed25519', '--out', out],
      [
        [/Passphrase for the new host keys/, 'first try\r'],
        [/Again, to confirm/, 'something else\r'],
        [/differ; try again[\s\S]*Passphrase for the new host keys/, 'typed at a terminal\r'],
        [/Again, to confirm/, 'typed at a terminal\r'],
      ],
    );
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).not.toContain('typed at a terminal'); // masked
    const key = join(out, 'ssh_host_ed25519_key');
    expect(
      execFileSync('ssh-keygen', ['-y', '-P', 'typed at a terminal', '-f', key], { encoding: 'utf8' }),
    ).toMatch(/^ssh-ed25519 /);
  });

  it('Ctrl-C at the prompt cancels with one line', async () => {
    const r = await runInPty(
      ['keygen', '-t', 'ed25519', '--out', tmp()],
      [[/Passphrase for the new host keys/, '\x03']],
    );
    expect(r.code).toBe(130);
    expect(r.screen).toMatch(/Error: cancelled\r?\n?$/);
    expect(r.screen).not.toMatch(/\n\s+at /);
  });
});
