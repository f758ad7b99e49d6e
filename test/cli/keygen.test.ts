// `sshd-kit keygen` as a user runs it: the built bin/run.js in a child process, no terminal (see
// helpers.ts for how dist/ is kept fresh). Keys are checked with the real ssh-keygen.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, expectOneLineError, REPO_ROOT, runCli, tempDirs, type CliResult } from './helpers.js';

const tmp = tempDirs();
beforeAll(ensureBuilt, 120_000);

const sshKeygen = (...args: string[]): string =>
  execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

interface KeyJson {
  kind: string;
  type: string;
  bits: number;
  path: string;
  publicKeyPath: string;
  fingerprint: string;
  comment: string;
  encrypted: boolean;
  keychain?: string;
  passphraseFrom?: string;
}
const json = (r: CliResult): { dir: string; keys: KeyJson[] } => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { dir: string; keys: KeyJson[] };
};

describe('sshd-kit help', () => {
  it('--help lists the commands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/COMMANDS[\s\S]*keygen\s+Generate host keys/);
  });

  it('keygen --help shows examples', async () => {
    const r = await runCli(['keygen', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/EXAMPLES[\s\S]*\$ sshd-kit keygen --yes/);
    expect(r.stdout).toMatch(/--data-dir=<value>\s+\[default: \.\/sshd-kit-data, env: SSHD_KIT_DATA_DIR\]/);
  });
});

describe('sshd-kit keygen', () => {
  it('generates ed25519, ecdsa and rsa like ssh-keygen -A, and ssh-keygen agrees', async () => {
    const data = join(tmp(), 'data');
    const r = await runCli(['keygen', '--yes', '--comment', 'test host'], {
      env: { SSHD_KIT_DATA_DIR: data },
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    for (const [kind, bits, label] of [
      ['ed25519', 256, 'ED25519'],
      ['ecdsa', 256, 'ECDSA'],
      ['rsa', 3072, 'RSA'],
    ] as const) {
      const file = join(data, `ssh_host_${kind}_key`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(`${file}.pub`).mode & 0o777).toBe(0o644);
      const line = sshKeygen('-l', '-f', file);
      expect(line).toMatch(new RegExp(`^${bits} SHA256:\\S+ test host \\(${label}\\)$`));
      // We print exactly ssh-keygen's -l line for each key.
      expect(lines).toContain(`Wrote ${file}: ${line}`);
      expect(sshKeygen('-y', '-f', file)).toBe(readFileSync(`${file}.pub`, 'utf8').trim());
    }
  });

  it('encrypted keys (--passphrase-stdin) open in ssh-keygen -y -P with the fingerprint we print', async () => {
    const out = join(tmp(), 'keys');
    for (const [type, bits] of [
      ['ed25519', undefined],
      ['ecdsa', '521'],
      ['rsa', '2048'],
    ] as const) {
      const args = ['keygen', '--type', type, '--out', out, '--passphrase-stdin', '--json'];
      const r = await runCli(bits === undefined ? args : [...args, '--bits', bits], {
        input: 'a long passphrase\n',
      });
      const [key] = json(r).keys;
      expect(key).toMatchObject({ kind: type, encrypted: true, keychain: 'not-requested' });
      expect(sshKeygen('-l', '-f', key!.path).split(' ')[1]).toBe(key!.fingerprint);
      const pub = sshKeygen('-y', '-P', 'a long passphrase', '-f', key!.path);
      expect(pub).toBe(readFileSync(key!.publicKeyPath, 'utf8').trim());
      expect(() => sshKeygen('-y', '-P', 'not the passphrase', '-f', key!.path)).toThrow();
    }
    // --list unlocks them with the same passphrase and shows the same fingerprints.
    const listed = json(
      await runCli(['keygen', '--list', '--out', out, '--passphrase', 'a long passphrase', '--json']),
    );
    expect(listed.keys.map((k) => k.passphraseFrom)).toEqual(['given', 'given', 'given']);
  });

  it('refuses to overwrite without --force, and replaces with it', async () => {
    const data = join(tmp(), 'data');
    const first = json(await runCli(['keygen', '-t', 'ed25519', '--yes', '--json', '--data-dir', data]));
    const before = readFileSync(first.keys[0]!.path, 'utf8');
    const again = await runCli(['keygen', '-t', 'ed25519', '--yes', '--data-dir', data]);
    expectOneLineError(again, 1, /ssh_host_ed25519_key already exists; pass --force/);
    expect(readFileSync(first.keys[0]!.path, 'utf8')).toBe(before);
    const forced = json(
      await runCli(['keygen', '-t', 'ed25519', '--yes', '--force', '--json', '--data-dir', data]),
    );
    expect(forced.keys[0]!.fingerprint).not.toBe(first.keys[0]!.fingerprint);
    expect(sshKeygen('-l', '-f', forced.keys[0]!.path).split(' ')[1]).toBe(forced.keys[0]!.fingerprint);
    expect(statSync(forced.keys[0]!.path).mode & 0o777).toBe(0o600);
  });

  it('--list loads keys written by ssh-keygen with its fingerprints', async () => {
    const out = tmp();
    sshKeygen(
      '-q',
      '-t',
      'ecdsa',
      '-b',
      '384',
      '-N',
      'their passphrase',
      '-C',
      'theirs',
      '-f',
      join(out, 'ssh_host_ecdsa_key'),
    );
    sshKeygen('-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'theirs', '-f', join(out, 'ssh_host_rsa_key'));
    const r = await runCli(['keygen', '--list', '--out', out, '--passphrase-stdin'], {
      input: 'their passphrase\n',
    });
    expect(r.code, r.stderr).toBe(0);
    for (const kind of ['ecdsa', 'rsa']) {
      const file = join(out, `ssh_host_${kind}_key`);
      expect(r.stdout).toContain(`${file}: ${sshKeygen('-l', '-f', file)}`);
    }
  });

  describe('bad input gives one line and a non-zero exit', () => {
    it('an unknown --type', async () => {
      expectOneLineError(
        await runCli(['keygen', '--type', 'dsa', '--yes']),
        2,
        /--type=dsa .*one of: ed25519, ecdsa, rsa, all/,
      );
    });

    it('a non-writable --out', async () => {
      const file = join(tmp(), 'a-file');
      writeFileSync(file, 'not a directory');
      expectOneLineError(
        await runCli(['keygen', '--out', join(file, 'keys'), '--yes']),
        1,
        /cannot write keys to .*\(--out\): ENOTDIR/,
      );
    });

    it('no passphrase answer without a terminal names the flag', async () => {
      const r = await runCli(['keygen', '-t', 'ed25519', '--out', tmp()]);
      expectOneLineError(r, 2, /pass --passphrase .*--passphrase-stdin.*--yes/);
    });

    it('bad --bits and a too short passphrase', async () => {
      expectOneLineError(
        await runCli(['keygen', '-t', 'rsa', '-b', '512', '--yes', '--out', tmp()]),
        2,
        /--bits: rsa keys are 1024/,
      );
      expectOneLineError(
        await runCli(['keygen', '-t', 'ed25519', '--passphrase', 'abc', '--out', tmp()]),
        2,
        /at least 5 characters/,
      );
    });

    it('a wrong passphrase', async () => {
      const out = tmp();
      sshKeygen('-q', '-t', 'ed25519', '-N', 'right passphrase', '-f', join(out, 'ssh_host_ed25519_key'));
      const r = await runCli(['keygen', '--list', '--out', out, '--passphrase', 'wrong passphrase']);
      expectOneLineError(r, 1, /ssh_host_ed25519_key: wrong passphrase/);
      const missing = await runCli(['keygen', '--list', '--out', out], {
        unset: ['DBUS_SESSION_BUS_ADDRESS'],
      });
      expectOneLineError(missing, 2, /Passphrase for .*ssh_host_ed25519_key.*pass --passphrase/);
    });

    it('a truncated or corrupt key file', async () => {
      const out = tmp();
      const file = join(out, 'ssh_host_ed25519_key');
      sshKeygen('-q', '-t', 'ed25519', '-N', '', '-f', file);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.slice(0, 200));
      expectOneLineError(
        await runCli(['keygen', '--list', '--out', out]),
        1,
        /ssh_host_ed25519_key: truncated OpenSSH private key/,
      );
      writeFileSync(file, text.replace(/\n([A-Za-z0-9+/]{8})/, '\nAAAAAAAA'));
      expectOneLineError(
        await runCli(['keygen', '--list', '--out', out]),
        1,
        /ssh_host_ed25519_key: (corrupt|not an openssh)/,
      );
      const json = await runCli(['keygen', '--list', '--out', out, '--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'KEY_FORMAT', exit: 1 } });
    });
  });
});

describe('sshd-kit keygen --keychain', () => {
  it('without a Secret Service says so in one line and writes the key encrypted', async () => {
    const out = tmp();
    const r = await runCli(
      ['keygen', '-t', 'ed25519', '--out', out, '--passphrase-stdin', '--keychain', '--json'],
      {
        input: 'keychain passphrase\n',
        unset: ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY'],
      },
    );
    const [key] = json(r).keys;
    expect(key).toMatchObject({ encrypted: true, keychain: 'unavailable' });
    const human = await runCli(
      [
        'keygen',
        '-t',
        'ed25519',
        '--out',
        out,
        '--force',
        '--passphrase',
        'keychain passphrase',
        '--keychain',
      ],
      {
        unset: ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY'],
      },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr.trim().split('\n')).toEqual([
      'No OS keychain (Secret Service) available: the keys are written encrypted; give serve their passphrase another way.',
    ]);
    expect(sshKeygen('-y', '-P', 'keychain passphrase', '-f', join(out, 'ssh_host_ed25519_key'))).toMatch(
      /^ssh-ed25519 /,
    );
  });

  it('with a real Secret Service (gnome-keyring under dbus-run-session) round-trips the passphrase', async () => {
    const home = tmp();
    const out = join(home, 'keys');
    const runtime = join(home, 'run');
    mkdirSync(runtime, { mode: 0o700 });
    const bin = join(REPO_ROOT, 'bin/run.js');
    // Unlock a fresh login keyring, store the passphrase through keygen, then let --list find it.
    const script = [
      'set -e',
      'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
      `printf '%s\\n' "$KEY_PASSPHRASE" | node "${bin}" keygen -t ed25519 --out "${out}" --passphrase-stdin --keychain --json > "${home}/gen.json" 2> "${home}/gen.err"`,
      `node "${bin}" keygen --list --out "${out}" --json > "${home}/list.json" 2> "${home}/list.err" </dev/null`,
    ].join('\n');
    const env: Record<string, string | undefined> = {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, 'share'),
      XDG_RUNTIME_DIR: runtime,
      KEYRING_PASSWORD: 'keyring login password',
      KEY_PASSPHRASE: 'stored in the keychain',
      NO_COLOR: '1',
    };
    delete env['DBUS_SESSION_BUS_ADDRESS'];
    delete env['SSHD_KIT_DATA_DIR'];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], { env, stdio: 'inherit' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    const gen = JSON.parse(readFileSync(join(home, 'gen.json'), 'utf8')) as { keys: KeyJson[] };
    expect(
      code,
      readFileSync(join(home, 'gen.err'), 'utf8') + readFileSync(join(home, 'list.err'), 'utf8'),
    ).toBe(0);
    expect(gen.keys[0]).toMatchObject({ encrypted: true, keychain: 'stored' });
    const list = JSON.parse(readFileSync(join(home, 'list.json'), 'utf8')) as { keys: KeyJson[] };
    expect(list.keys[0]).toMatchObject({ passphraseFrom: 'keychain', fingerprint: gen.keys[0]!.fingerprint });
    expect(sshKeygen('-y', '-P', 'stored in the keychain', '-f', gen.keys[0]!.path)).toMatch(/^ssh-ed25519 /);
  });
});
