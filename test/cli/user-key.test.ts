import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteUserStore } from '../../src/users/sqlite-store.js';
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
const KEY_FILES = [
  'id_ed25519.pub',
  'id_ecdsa256.pub',
  'id_ecdsa384.pub',
  'id_ecdsa521.pub',
  'id_rsa3072.pub',
  'id_ed25519_nocomment.pub',
];

async function keysOf(dir: string, name: string) {
  const store = SqliteUserStore.open(dir);
  try {
    return await store.listKeys(name);
  } finally {
    await store.close();
  }
}

async function addUser(dir: string, name: string): Promise<void> {
  expect((await runUserCommand('user:add', [name, '--no-password', '--data-dir', dir])).code).toBe(0);
}

describe('sshd-kit user key add / list / remove', () => {
  it('lists keys exactly as ssh-keygen -l prints them', async () => {
    const dir = dataDir();
    await addUser(dir, 'alice');
    for (const f of KEY_FILES) {
      const r = await runUserCommand('user:key:add', ['alice', userFixture(f), '--data-dir', dir]);
      expect(r.code, f).toBe(0);
      expect(r.stdout).toMatch(/^Added SHA256:\S+ .+ to alice\.\n$/);
    }
    const r = await runUserCommand('user:key:list', ['alice', '--data-dir', dir]);
    const fromSshKeygen = KEY_FILES.map((f) =>
      execFileSync('ssh-keygen', ['-l', '-f', userFixture(f)], { encoding: 'utf8' }),
    );
    expect(r).toMatchObject({ code: 0, stdout: fromSshKeygen.join('') });
  });

  it('keeps options, shows them after the fingerprint, and returns them with --json', async () => {
    const dir = dataDir();
    await addUser(dir, 'deploy');
    const line = `from="10.0.0.0/8",command="/usr/bin/deploy",restrict ${readFileSync(userFixture('id_ed25519.pub'), 'utf8')}`;
    const added = await runUserCli('user:key:add', ['deploy', '-', '--data-dir', dir], { input: line });
    expect(added.code).toBe(0);
    const r = await runUserCommand('user:key:list', ['deploy', '--data-dir', dir]);
    expect(r.stdout).toBe(
      '256 SHA256:S7x88JFFCrAr0+k7R2rSoYWbEqLXTHsEFaDKcKF6XgM fixture-ed25519@example.com (ED25519) ' +
        '[from="10.0.0.0/8",command="/usr/bin/deploy",restrict]\n',
    );
    const json = JSON.parse(
      (await runUserCommand('user:key:list', ['deploy', '--data-dir', dir, '--json'])).stdout,
    ) as unknown;
    expect(json).toEqual([
      {
        bits: 256,
        fingerprint: 'SHA256:S7x88JFFCrAr0+k7R2rSoYWbEqLXTHsEFaDKcKF6XgM',
        comment: 'fixture-ed25519@example.com',
        type: 'ssh-ed25519',
        options: 'from="10.0.0.0/8",command="/usr/bin/deploy",restrict',
      },
    ]);
    const [key] = await keysOf(dir, 'deploy');
    expect(key!.options).toMatchObject({ command: '/usr/bin/deploy', restrict: true, pty: false });
  });

  it('removes a key by fingerprint, with or without the SHA256: prefix', async () => {
    const dir = dataDir();
    await addUser(dir, 'bob');
    await runUserCommand('user:key:add', ['bob', userFixture('id_ed25519.pub'), '--data-dir', dir]);
    await runUserCommand('user:key:add', ['bob', userFixture('id_rsa3072.pub'), '--data-dir', dir]);
    const r1 = await runUserCommand('user:key:remove', [
      'bob',
      'SHA256:S7x88JFFCrAr0+k7R2rSoYWbEqLXTHsEFaDKcKF6XgM',
      '--data-dir',
      dir,
    ]);
    expect(r1).toMatchObject({
      code: 0,
      stdout: 'Removed SHA256:S7x88JFFCrAr0+k7R2rSoYWbEqLXTHsEFaDKcKF6XgM from bob.\n',
    });
    const r2 = await runUserCommand('user:key:remove', [
      'bob',
      'Z6JyVAGHIyjWR7OVgobu82+IRrz1vi0bLhB0gNVZ6ws',
      '--data-dir',
      dir,
    ]);
    expect(r2.code).toBe(0);
    expect(await keysOf(dir, 'bob')).toEqual([]);
    expect((await runUserCommand('user:key:list', ['bob', '--data-dir', dir])).stdout).toBe(
      'bob has no authorized keys.\n',
    );
    expectOneLineError(
      await runUserCommand('user:key:remove', ['bob', 'SHA256:nope', '--data-dir', dir]),
      1,
      /^Error: user "bob" has no key SHA256:nope\n$/,
    );
  });

  it('refuses duplicates, malformed lines and unknown users with one line, adding nothing', async () => {
    const dir = dataDir();
    await addUser(dir, 'carol');
    await runUserCommand('user:key:add', ['carol', userFixture('id_ed25519.pub'), '--data-dir', dir]);
    const cases: [string[], number, RegExp][] = [
      [['carol', userFixture('id_ed25519.pub')], 1, /^Error: user "carol" already has key SHA256:S7x88/],
      [
        ['carol', userFixture('id_ed25519-cert.pub')],
        1,
        /line 1: ".*-cert-v01@openssh.com" is a certificate: authorize its CA instead, as a cert-authority line \(or in trustedUserCAKeys\)\n$/,
      ],
      [
        ['carol', userFixture('fingerprints.json')],
        1,
        /fingerprints\.json line 1: expected an option name at column 1\n$/,
      ],
      [['carol', '/nonexistent/key.pub'], 1, /^Error: ENOENT: no such file or directory/],
      [['dave', userFixture('id_rsa3072.pub')], 1, /^Error: no user named "dave"\n$/],
      [['Dave', userFixture('id_rsa3072.pub')], 2, /^Error: invalid user name "Dave"/],
      [['carol'], 2, /^Error: Missing 1 required arg/],
    ];
    for (const [args, exit, pattern] of cases) {
      expectOneLineError(await runUserCommand('user:key:add', [...args, '--data-dir', dir]), exit, pattern);
    }
    expect((await keysOf(dir, 'carol')).length).toBe(1);
    expectOneLineError(
      await runUserCommand('user:key:list', ['dave', '--data-dir', dir]),
      1,
      /^Error: no user named "dave"\n$/,
    );
  });

  it('refuses a malformed line on stdin, naming the line', async () => {
    const dir = dataDir();
    await addUser(dir, 'erin');
    const good = readFileSync(userFixture('id_ed25519.pub'), 'utf8');
    const r = await runUserCli('user:key:add', ['erin', '-', '--data-dir', dir], {
      input: `${good}\nno-pty,permitopen="nohostport" ${good}`,
    });
    expectOneLineError(r, 1, /^Error: stdin line 3: permitopen: expected "host:port", got "nohostport"\n$/);
    expect(await keysOf(dir, 'erin')).toEqual([]);
  });
});
