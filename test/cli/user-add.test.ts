import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteUserStore } from '../../src/users/sqlite-store.js';
import { verifyPassword } from '../../src/users/password-hash.js';
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

async function storedUser(dir: string, name: string) {
  const store = SqliteUserStore.open(dir);
  try {
    return await store.get(name);
  } finally {
    await store.close();
  }
}

describe('sshd-kit user add (as a shell runs it)', () => {
  it('adds a user with a password from stdin and a key, in a real SQLite file', async () => {
    const dir = dataDir();
    const args = ['alice', '--password-stdin', '--key', userFixture('id_ed25519.pub'), '--data-dir', dir];
    const r = await runUserCli('user:add', args, { input: 'correct horse battery\n' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`Added user alice (shell,exec,sftp; home ${join(dir, 'homes', 'alice')}).\n`);
    const alice = (await storedUser(dir, 'alice'))!;
    expect(await verifyPassword('correct horse battery', alice.passwordHash!)).toBe(true);
    expect(alice.passwordHash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(alice.authorizedKeys.map((k) => k.fingerprint)).toEqual([
      'SHA256:S7x88JFFCrAr0+k7R2rSoYWbEqLXTHsEFaDKcKF6XgM',
    ]);
  });

  it('reads keys from stdin with --key - and the data directory from SSHD_KIT_DATA_DIR', async () => {
    const dir = dataDir();
    const ed = readFileSync(userFixture('id_ed25519.pub'), 'utf8');
    const ec = readFileSync(userFixture('id_ecdsa384.pub'), 'utf8');
    const r = await runUserCli('user:add', ['bob', '--no-password', '--key', '-', '--port-forwarding'], {
      input: `# two keys\nrestrict ${ed}${ec}`,
      env: { SSHD_KIT_DATA_DIR: dir },
    });
    expect(r.code).toBe(0);
    const bob = (await storedUser(dir, 'bob'))!;
    expect(bob.authorizedKeys.map((k) => k.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp384']);
    expect(bob.authorizedKeys[0]!.options.restrict).toBe(true);
    expect(bob.permissions.portForwarding).toBe(true);
  });

  it('without a terminal and without a password flag, names the flags to use', async () => {
    const r = await runUserCli('user:add', ['dave', '--data-dir', dataDir()]);
    expectOneLineError(
      r,
      2,
      /^Error: no terminal to ask "New password for dave": pass --password-stdin \(or --no-password\)\n$/,
    );
  });

  it('refuses bad stdin input with one line', async () => {
    const dir = dataDir();
    const cases: [string[], string, number, RegExp][] = [
      [['--password-stdin'], '\n', 2, /--password-stdin: nothing was read from stdin/],
      [
        ['--password-stdin'],
        `${'x'.repeat(1025)}\n`,
        2,
        /--password-stdin: the password is longer than 1024 bytes/,
      ],
      [['--password-stdin', '--key', '-'], 'pw\n', 2, /--password-stdin and --key - cannot both read stdin/],
      [
        ['--no-password', '--key', '-'],
        'not-a-key at all\n',
        1,
        /^Error: stdin line 1: unknown option "not-a-key"\n$/,
      ],
      [['--no-password', '--key', '-'], '# only a comment\n', 1, /^Error: stdin holds no public key\n$/],
    ];
    const results = await Promise.all(
      cases.map(([flags, input]) =>
        runUserCli('user:add', ['frank', ...flags, '--data-dir', dir], { input }),
      ),
    );
    results.forEach((r, i) => expectOneLineError(r, cases[i]![2], cases[i]![3]));
    expect(await storedUser(dir, 'frank')).toBeUndefined();
  });
});

describe('sshd-kit user add (in process)', () => {
  it('makes an sftp-only, read-only, key-only hosting account with its own home and method chain', async () => {
    const dir = dataDir();
    const r = await runUserCommand('user:add', [
      'site42',
      '--no-password',
      '--key',
      userFixture('id_ecdsa256.pub'),
      '--key',
      userFixture('id_rsa3072.pub'),
      '--sftp-only',
      '--read-only',
      '--umask',
      '027',
      '--home',
      '/srv/www/site42',
      '--auth-methods',
      'publickey,publickey publickey,keyboard-interactive',
      '--download-limit',
      '10M',
      '--max-connections',
      '5',
      '--principals',
      'ops,site42-deploy',
      '--data-dir',
      dir,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'site42',
      hasPassword: false,
      keys: 2,
      authMethods: 'publickey,publickey publickey,keyboard-interactive',
      access: 'sftp (read-only)',
      permissions: { shell: false, exec: false, sftp: true, portForwarding: false, agentForwarding: false },
      sftp: { readOnly: true, umask: '027' },
      limits: { uploadBytesPerSecond: 0, downloadBytesPerSecond: 10 * 1024 * 1024, maxConnections: 5 },
      principals: ['ops', 'site42-deploy'],
      home: '/srv/www/site42',
      disabled: false,
    });
    const u = (await storedUser(dir, 'site42'))!;
    expect(u.sftp.umask).toBe(0o027);
    expect(u.authMethods).toEqual([
      ['publickey', 'publickey'],
      ['publickey', 'keyboard-interactive'],
    ]);
  });

  it('warns on stderr when the account has no way to log in, and resolves a relative --home', async () => {
    const dir = dataDir();
    const r = await runUserCommand('user:add', [
      'nobody',
      '--no-password',
      '--home',
      'rel/home',
      '--data-dir',
      dir,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no password and no key, so cannot log in yet/);
    expect((await storedUser(dir, 'nobody'))!.home).toBe(join(process.cwd(), 'rel/home'));
  });

  it('refuses a duplicate user with one line and exit 1, leaving the first untouched', async () => {
    const dir = dataDir();
    expect((await runUserCommand('user:add', ['carol', '--no-password', '--data-dir', dir])).code).toBe(0);
    const r = await runUserCommand('user:add', [
      'carol',
      '--no-password',
      '--key',
      userFixture('id_ed25519.pub'),
      '--data-dir',
      dir,
    ]);
    expectOneLineError(r, 1, /^Error: a user named "carol" already exists\n$/);
    expect((await storedUser(dir, 'carol'))!.authorizedKeys).toEqual([]);
  });

  it('refuses bad names before asking anything', async () => {
    const dir = dataDir();
    for (const n of ['Alice', '1abc', 'a b', 'a/b', '.x', 'x'.repeat(33), "a' OR '1'='1", 'ünï', '']) {
      const r = await runUserCommand('user:add', [n, '--data-dir', dir]);
      expectOneLineError(
        r,
        2,
        /^Error: invalid user name .*: use 1–32 characters, a lower-case letter or "_" first/,
      );
    }
  });

  it('refuses malformed key files naming the file and line, adding nothing', async () => {
    const dir = dataDir();
    const tmp = mkdtempSync(join(dir, '..', 'keys-'));
    const bad = join(tmp, 'bad.pub');
    const ed = readFileSync(userFixture('id_ed25519.pub'), 'utf8');
    writeFileSync(bad, `${ed}from=10.0.0.1 ${ed}`);
    const cases: [string, RegExp][] = [
      [bad, /^Error: .*bad\.pub line 2: option "from" needs a double-quoted value\n$/],
      [join(tmp, 'missing.pub'), /^Error: ENOENT: no such file or directory, open '.*missing\.pub'\n$/],
      [
        userFixture('id_ed25519-cert.pub'),
        /line 1: "ssh-ed25519-cert-v01@openssh.com" is a certificate: authorize its CA instead, as a cert-authority line \(or in trustedUserCAKeys\)/,
      ],
      [userFixture('id_dsa.pub'), /line 1: key type "ssh-dss" is not supported/],
    ];
    for (const [file, pattern] of cases) {
      const r = await runUserCommand('user:add', ['erin', '--no-password', '--key', file, '--data-dir', dir]);
      expectOneLineError(r, 1, pattern);
    }
    const twice = userFixture('id_ed25519.pub');
    const r = await runUserCommand('user:add', [
      'erin',
      '--no-password',
      '--key',
      twice,
      '--key',
      twice,
      '--data-dir',
      dir,
    ]);
    expectOneLineError(r, 2, /key SHA256:\S+ is given twice/);
    expect(await storedUser(dir, 'erin')).toBeUndefined();
  });

  it('refuses bad flag values and combinations', async () => {
    const dir = dataDir();
    const cases: [string[], RegExp][] = [
      [
        ['--password-stdin', '--no-password'],
        /^Error: --password-stdin and --no-password cannot be used together\n$/,
      ],
      [['--auth-methods', 'publickey,hostbased'], /auth methods: unknown method "hostbased"/],
      [['--auth-methods', 'publickey,,password'], /auth methods: an empty method name/],
      [['--umask', '999'], /--umask must be octal/],
      [
        ['--sftp-only', '--port-forwarding'],
        /^Error: --sftp-only and --port-forwarding cannot be used together\n$/,
      ],
      [['--bogus'], /^Error: Nonexistent flag: --bogus \(see --help\)\n$/],
      [
        ['--upload-limit', '1.5M'],
        /^Error: --upload-limit must be bytes per second like 512K or 10M, or none/,
      ],
    ];
    for (const [flags, pattern] of cases) {
      const r = await runUserCommand('user:add', ['frank', '--no-password', ...flags, '--data-dir', dir]);
      expectOneLineError(r, 2, pattern);
    }
    expect(await storedUser(dir, 'frank')).toBeUndefined();
  });

  it('reports an unreadable store as one line', async () => {
    const dir = dataDir();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'users.db'), 'not a database '.repeat(100));
    const r = await runUserCommand('user:add', ['gina', '--no-password', '--data-dir', dir]);
    expectOneLineError(
      r,
      1,
      /^Error: user database is damaged \(SQLITE_NOTADB\) while opening .*users\.db: file is not a database\n$/,
    );
  });
});
