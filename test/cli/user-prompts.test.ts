import { spawn as spawnPty, type IPty } from 'node-pty';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/users/password-hash.js';
import { SqliteUserStore } from '../../src/users/sqlite-store.js';
import { REPO_ROOT, useDataDirs, ensureBuilt } from './user-cli.js';

const dataDir = useDataDirs();
beforeAll(ensureBuilt, 180_000);

/** A command running on a pseudo-terminal, as a person at a keyboard runs it. */
class Terminal {
  private output = '';
  private readonly exited: Promise<number>;
  private readonly pty: IPty;

  constructor(id: string, args: readonly string[]) {
    const env = { ...process.env, NO_COLOR: '1' } as Record<string, string>;
    delete env['SSHD_KIT_DATA_DIR'];
    this.pty = spawnPty(process.execPath, ['bin/run.js', ...id.split(':'), ...args], {
      cwd: REPO_ROOT,
      env,
      cols: 120,
      rows: 30,
    });
    this.pty.onData((d) => (this.output += d));
    this.exited = new Promise((resolve) => this.pty.onExit(({ exitCode }) => resolve(exitCode)));
  }

  /** Wait until `text` has appeared after the last answer, then type `answer` and Enter. */
  async answer(text: string, answer: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!this.output.includes(text)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${JSON.stringify(text)}; got ${JSON.stringify(this.output)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    this.output = '';
    this.pty.write(`${answer}\r`);
  }

  /** Wait for the exit code and return it with what was printed since the last answer. */
  async finish(): Promise<{ code: number; output: string }> {
    const code = await this.exited;
    return { code, output: this.output };
  }
}

async function user(dir: string, name: string) {
  const store = SqliteUserStore.open(dir);
  try {
    return await store.get(name);
  } finally {
    await store.close();
  }
}

describe('prompts on a terminal', () => {
  it('user add asks for the password twice and asks again when they differ', async () => {
    const dir = dataDir();
    const t = new Terminal('user:add', ['alice', '--data-dir', dir]);
    await t.answer('New password for alice', 'first try');
    await t.answer('Again, to confirm', 'typo');
    await t.answer('The two entries differ', '');
    await t.answer('the password is empty', 'p4ssw0rd');
    await t.answer('Again, to confirm', 'p4ssw0rd');
    const { code, output } = await t.finish();
    expect(code).toBe(0);
    expect(output).toMatch(/Added user alice/);
    expect(output).not.toMatch(/p4ssw0rd/); // masked
    expect(await verifyPassword('p4ssw0rd', (await user(dir, 'alice'))!.passwordHash!)).toBe(true);

    const passwd = new Terminal('user:passwd', ['alice', '--data-dir', dir]);
    await passwd.answer('New password for alice', 'changed');
    await passwd.answer('Again, to confirm', 'changed');
    expect((await passwd.finish()).code).toBe(0);
    expect(await verifyPassword('changed', (await user(dir, 'alice'))!.passwordHash!)).toBe(true);
  });

  it('user remove asks for confirmation and honours "no"', async () => {
    const dir = dataDir();
    const add = new Terminal('user:add', ['bob', '--no-password', '--data-dir', dir]);
    expect((await add.finish()).code).toBe(0);

    const no = new Terminal('user:remove', ['bob', '--data-dir', dir]);
    await no.answer('Remove user bob and their 0 key(s)?', 'n');
    const refused = await no.finish();
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/Error: nothing removed/);
    expect(await user(dir, 'bob')).toBeDefined();

    const yes = new Terminal('user:remove', ['bob', '--data-dir', dir]);
    await yes.answer('Remove user bob', 'y');
    expect((await yes.finish()).code).toBe(0);
    expect(await user(dir, 'bob')).toBeUndefined();
  });
});
