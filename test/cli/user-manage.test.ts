import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/users/password-hash.js';
import { SqliteUserStore } from '../../src/users/sqlite-store.js';
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import {
  expectOneLineError,
  runUserCli,
  runUserCommand,
  useDataDirs,
  userFixture,
  ensureBuilt,
} from './user-cli.js';

const dataDir = useDataDirs();
beforeAll(ensureBuilt, 180_000);

async function withStore<R>(dir: string, fn: (s: SqliteUserStore) => Promise<R>): Promise<R> {
  const store = SqliteUserStore.open(dir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function seed(dir: string): Promise<void> {
  const hash = await hashPassword('old-password', { ln: 10, r: 8, p: 1 });
  await withStore(dir, async (s) => {
    await s.add({ name: 'alice', passwordHash: hash });
    await s.add({
      name: 'site42',
      permissions: SFTP_ONLY_PERMISSIONS,
      sftp: { readOnly: true },
      limits: { uploadBytesPerSecond: 1024 * 1024, downloadBytesPerSecond: 1536 * 1024, maxConnections: 4 },
      home: '/srv/site42',
    });
  });
  const r = await runUserCommand('user:key:add', [
    'site42',
    userFixture('id_ed25519.pub'),
    '--data-dir',
    dir,
  ]);
  expect(r.code).toBe(0);
}

describe('sshd-kit user list', () => {
  it('says so when the store is empty', async () => {
    const dir = dataDir();
    const r = await runUserCommand('user:list', ['--data-dir', dir]);
    expect(r).toMatchObject({ code: 0, stdout: `No users in ${dir} yet; add one with "user add NAME".\n` });
    expect(JSON.parse((await runUserCommand('user:list', ['--data-dir', dir, '--json'])).stdout)).toEqual([]);
  });

  it('prints a table, and every field with --json', async () => {
    const dir = dataDir();
    await seed(dir);
    await withStore(dir, (s) => s.setDisabled('alice', true));
    const r = await runUserCommand('user:list', ['--data-dir', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CREDENTIALS\s+METHODS\s+ACCESS\s+LIMITS\s+HOME\s+STATUS$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^alice\\s+password\\s+any\\s+shell,exec,sftp\\s+-\\s+${join(dir, 'homes', 'alice')}\\s+disabled$`,
      ),
    );
    expect(lines[2]).toMatch(
      /^site42\s+1 key\s+any\s+sftp \(read-only\)\s+up 1 MiB\/s, down 1536 KiB\/s, 4 conn\s+\/srv\/site42\s+enabled$/,
    );

    const json = JSON.parse(
      (await runUserCommand('user:list', ['--data-dir', dir, '--json'])).stdout,
    ) as unknown[];
    expect(json).toHaveLength(2);
    expect(json[1]).toMatchObject({
      name: 'site42',
      hasPassword: false,
      keys: 1,
      authMethods: 'any',
      permissions: SFTP_ONLY_PERMISSIONS,
      sftp: { readOnly: true, umask: '022' },
      limits: { uploadBytesPerSecond: 1048576, downloadBytesPerSecond: 1572864, maxConnections: 4 },
      home: '/srv/site42',
      disabled: false,
    });
    expect(JSON.stringify(json)).not.toMatch(/scrypt/); // no password hashes in output
  });
});

describe('sshd-kit user remove', () => {
  it('removes with --yes and leaves the home directory', async () => {
    const dir = dataDir();
    await seed(dir);
    const r = await runUserCommand('user:remove', ['site42', '--yes', '--data-dir', dir]);
    expect(r).toMatchObject({
      code: 0,
      stdout: 'Removed user site42; the home directory /srv/site42 was left in place.\n',
    });
    expect(await withStore(dir, (s) => s.get('site42'))).toBeUndefined();
    expect((await withStore(dir, (s) => s.list())).map((u) => u.name)).toEqual(['alice']);
  });

  it('without a terminal and without --yes, names the flag and removes nothing', async () => {
    const dir = dataDir();
    await seed(dir);
    const r = await runUserCli('user:remove', ['alice', '--data-dir', dir]);
    expectOneLineError(
      r,
      2,
      /^Error: no terminal to ask "Remove user alice and their 0 key\(s\)\?": pass --yes\n$/,
    );
    expect(await withStore(dir, (s) => s.get('alice'))).toBeDefined();
  });

  it('refuses an unknown or invalid user with one line', async () => {
    const dir = dataDir();
    await seed(dir);
    expectOneLineError(
      await runUserCommand('user:remove', ['zoe', '--yes', '--data-dir', dir]),
      1,
      /^Error: no user named "zoe"\n$/,
    );
    expectOneLineError(
      await runUserCommand('user:remove', ['Zoe', '--yes', '--data-dir', dir]),
      2,
      /invalid user name "Zoe"/,
    );
    expectOneLineError(
      await runUserCommand('user:remove', ['--yes', '--data-dir', dir]),
      2,
      /Missing 1 required arg/,
    );
  });
});

describe('sshd-kit user passwd', () => {
  it('sets a new password from stdin', async () => {
    const dir = dataDir();
    await seed(dir);
    const r = await runUserCli('user:passwd', ['alice', '--password-stdin', '--data-dir', dir], {
      input: 'new pässword\r\n',
    });
    expect(r).toMatchObject({ code: 0, stdout: 'Password set for alice.\n', stderr: '' });
    const hash = (await withStore(dir, (s) => s.get('alice')))!.passwordHash!;
    expect(await verifyPassword('new pässword', hash)).toBe(true);
    expect(await verifyPassword('old-password', hash)).toBe(false);
    // A key-only user can be given a password too.
    const r2 = await runUserCli('user:passwd', ['site42', '--password-stdin', '--data-dir', dir], {
      input: 'x\n',
    });
    expect(r2.code).toBe(0);
  });

  it('without a terminal and without --password-stdin, names the flag and changes nothing', async () => {
    const dir = dataDir();
    await seed(dir);
    const before = (await withStore(dir, (s) => s.get('alice')))!.passwordHash;
    const r = await runUserCli('user:passwd', ['alice', '--data-dir', dir]);
    expectOneLineError(r, 2, /^Error: no terminal to ask "New password for alice": pass --password-stdin\n$/);
    expect((await withStore(dir, (s) => s.get('alice')))!.passwordHash).toBe(before);
  });

  it('refuses an unknown user before reading a password', async () => {
    const dir = dataDir();
    await seed(dir);
    const r = await runUserCommand('user:passwd', ['nobody', '--password-stdin', '--data-dir', dir]);
    expectOneLineError(r, 1, /^Error: no user named "nobody"\n$/);
  });
});

describe('sshd-kit user disable / enable', () => {
  it('round-trips the disabled flag', async () => {
    const dir = dataDir();
    await seed(dir);
    expect(await runUserCommand('user:disable', ['alice', '--data-dir', dir])).toMatchObject({
      code: 0,
      stdout: 'User alice disabled.\n',
    });
    expect((await withStore(dir, (s) => s.get('alice')))!.disabled).toBe(true);
    const json = await runUserCommand('user:enable', ['alice', '--data-dir', dir, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ name: 'alice', disabled: false });
    expect((await withStore(dir, (s) => s.get('alice')))!.disabled).toBe(false);
  });

  it('refuses an unknown user with one line', async () => {
    const dir = dataDir();
    await seed(dir);
    expectOneLineError(
      await runUserCommand('user:disable', ['bob', '--data-dir', dir]),
      1,
      /^Error: no user named "bob"\n$/,
    );
    const j = await runUserCommand('user:enable', ['bob', '--data-dir', dir, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({
      error: { message: 'no user named "bob"', code: 'USER_NOT_FOUND', exit: 1 },
    });
  });
});

describe('sshd-kit user limit', () => {
  it('sets and lifts limits, and prints them', async () => {
    const dir = dataDir();
    await seed(dir);
    expect(
      await runUserCommand('user:limit', ['alice', '--upload', '512K', '--data-dir', dir]),
    ).toMatchObject({
      code: 0,
      stdout: 'Limits of alice: upload 512 KiB/s, download none, connections any.\n',
    });
    const json = await runUserCommand('user:limit', [
      'site42',
      '--upload',
      'none',
      '--download',
      '10M',
      '--connections',
      'none',
      '--data-dir',
      dir,
      '--json',
    ]);
    expect(JSON.parse(json.stdout)).toEqual({
      name: 'site42',
      uploadBytesPerSecond: 0,
      downloadBytesPerSecond: 10485760,
      maxConnections: 0,
    });
    expect(
      (await runUserCommand('user:limit', ['alice', '--connections', '3', '--data-dir', dir])).stdout,
    ).toBe('Limits of alice: upload 512 KiB/s, download none, connections 3.\n');
    expect((await withStore(dir, (s) => s.get('alice')))!.limits).toEqual({
      uploadBytesPerSecond: 524288,
      downloadBytesPerSecond: 0,
      maxConnections: 3,
    });
  });

  it('refuses a missing flag, a bad rate and an unknown user with one line', async () => {
    const dir = dataDir();
    await seed(dir);
    expectOneLineError(
      await runUserCommand('user:limit', ['alice', '--data-dir', dir]),
      2,
      /^Error: give --upload, --download or --connections \(a rate like 10M, a number, or none\)\n$/,
    );
    expectOneLineError(
      await runUserCommand('user:limit', ['alice', '--connections', '-1', '--data-dir', dir]),
      2,
      /^Error: --connections must be a number of connections, or none \(got "-1"\)\n$/,
    );
    expectOneLineError(
      await runUserCommand('user:limit', ['alice', '--download', '10 MB/s', '--data-dir', dir]),
      2,
      /^Error: --download must be bytes per second like 512K or 10M, or none \(got "10 MB\/s"\)\n$/,
    );
    expectOneLineError(
      await runUserCommand('user:limit', ['bob', '--upload', '1M', '--data-dir', dir]),
      1,
      /^Error: no user named "bob"\n$/,
    );
  });
});

describe('sshd-kit user principals', () => {
  it('prints, sets and clears the principals, and refuses bad ones with one line', async () => {
    const dir = dataDir();
    await seed(dir);
    const show = () => runUserCommand('user:principals', ['site42', '--data-dir', dir]);
    expect((await show()).stdout).toBe('Certificates log in as site42 when they name "site42".\n');
    expect(
      (await runUserCommand('user:principals', ['site42', 'ops,deploy', '--data-dir', dir])).stdout,
    ).toBe('Certificates log in as site42 when they name one of: ops, deploy.\n');
    expect(
      JSON.parse((await runUserCommand('user:principals', ['site42', '--data-dir', dir, '--json'])).stdout),
    ).toEqual({
      name: 'site42',
      principals: ['ops', 'deploy'],
    });
    expect((await withStore(dir, (s) => s.get('site42')))!.principals).toEqual(['ops', 'deploy']);
    await runUserCommand('user:principals', ['site42', '--clear', '--data-dir', dir]);
    expect((await show()).stdout).toBe('Certificates log in as site42 when they name "site42".\n');
    expectOneLineError(
      await runUserCommand('user:principals', ['site42', 'ops,,dba', '--data-dir', dir]),
      2,
      /^Error: principal "": 1 to 255 characters, no space, comma or control\n$/,
    );
    expectOneLineError(
      await runUserCommand('user:principals', ['site42', 'ops', '--clear', '--data-dir', dir]),
      2,
      /^Error: give principals or --clear, not both\n$/,
    );
    expectOneLineError(
      await runUserCommand('user:principals', ['bob', '--data-dir', dir]),
      1,
      /^Error: no user named "bob"\n$/,
    );
  });
});

describe('help text', () => {
  it('lists the user commands under the user topic, and each has examples', async () => {
    const topic = await runUserCli('user', ['--help']);
    expect(topic.code).toBe(0);
    for (const c of ['add', 'list', 'remove', 'passwd', 'disable', 'enable', 'limit', 'principals', 'key']) {
      expect(topic.stdout).toMatch(new RegExp(`^  user ${c} `, 'm'));
    }
    const keyTopic = await runUserCli('user:key', ['--help']);
    for (const c of ['add', 'list', 'remove'])
      expect(keyTopic.stdout).toMatch(new RegExp(`^  user key ${c} `, 'm'));
    const add = await runUserCli('user:add', ['--help']);
    expect(add.stdout).toMatch(
      /USAGE[\s\S]*\$ sshd-kit user add NAME[\s\S]*--password-stdin[\s\S]*--sftp-only[\s\S]*EXAMPLES/,
    );
    expect(add.stdout).toMatch(/--data-dir=<value>\s+\[default: .*env: SSHD_KIT_DATA_DIR\]/);
  });

  it('every user command has a summary, a description and examples', async () => {
    for (const id of [
      'add',
      'list',
      'remove',
      'passwd',
      'disable',
      'enable',
      'limit',
      'principals',
      'key/add',
      'key/list',
      'key/remove',
    ]) {
      const file = new URL(`../../src/commands/user/${id}.ts`, import.meta.url).pathname;
      const { default: C } = (await import(/* @vite-ignore */ file)) as {
        default: { summary?: string; description?: string; examples?: unknown[] };
      };
      expect(C.summary, id).toMatch(/\.$/);
      expect(C.description?.length, id).toBeGreaterThan(20);
      expect(C.examples?.length, id).toBeGreaterThan(0);
    }
  });
});
