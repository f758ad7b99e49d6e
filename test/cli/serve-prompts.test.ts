// `serve` on a terminal with an empty user store offers to create the first user (inquirer), and
// that user can log in right away.
import { join } from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { askpass, authenticatedWith, ssh } from '../helpers/openssh.js';
import { ensureBuilt, REPO_ROOT, tempDirs } from './helpers.js';
import { BIN, seedHostKeys } from './serve-helpers.js';

const tmp = tempDirs('sshd-kit-serve-tty-');
beforeAll(ensureBuilt, 180_000);

describe('serve on a terminal with no users', () => {
  it('asks to create one (name, password twice), then serves it', async () => {
    const base = tmp();
    const dir = join(base, 'data');
    seedHostKeys(dir);
    const env = { ...process.env, NO_COLOR: '1' } as Record<string, string>;
    delete env['SSHD_KIT_DATA_DIR'];
    const pty = spawnPty(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--listen', '127.0.0.1', '--data-dir', dir, '--log-format', 'json'],
      { cwd: REPO_ROOT, env, cols: 250, rows: 40 },
    );
    let output = '';
    pty.onData((d) => (output += d));
    const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
    let seen = 0;
    const answer = async (prompt: string, text: string) => {
      const deadline = Date.now() + 15_000;
      while (!output.slice(seen).includes(prompt)) {
        if (Date.now() > deadline)
          throw new Error(`no prompt ${JSON.stringify(prompt)} in ${JSON.stringify(output)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      seen = output.length;
      pty.write(`${text}\r`);
    };
    try {
      await answer('Create a user now?', 'y');
      await answer('User name:', 'Bob');
      await answer('use 1–32 characters', '\u0015bob'); // Ctrl-U clears the bad name
      await answer('Password for bob:', 'first-password');
      await answer('Again, to confirm:', 'first-password');
      const deadline = Date.now() + 15_000;
      let port: number | undefined;
      while (port === undefined && Date.now() < deadline) {
        port = Number(/"port":(\d+),"msg":"listening on/.exec(output)?.[1]) || undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(port, output).toBeDefined();
      expect(output).toMatch(/"user":"bob","msg":"user created"/);
      const ap = await askpass(base, 'first-password');
      const r = await ssh(
        port!,
        ['-v', ...ap.options, '-o', 'PreferredAuthentications=password', 'bob@127.0.0.1', 'true'],
        { env: ap.env },
      );
      expect(authenticatedWith(r.stderr)).toBe('password');
    } finally {
      pty.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
