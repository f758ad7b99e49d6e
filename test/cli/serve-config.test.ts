// `sshd-kit serve --print-config` and every way a bad flag or config stops `serve` before it
// listens: one line on stderr, a non-zero exit, no stack trace.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, expectOneLineError, REPO_ROOT, runCli, tempDirs } from './helpers.js';
import { seedHostKeys, startServe, type ServeProcess } from './serve-helpers.js';

const tmp = tempDirs('sshd-kit-serve-config-');
beforeAll(ensureBuilt, 180_000);

const running: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

/** A data directory holding `config.yaml` with `text` (and host keys when asked). */
function dirWithConfig(text: string | undefined, keys = false): string {
  const dir = join(tmp(), 'data');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (keys) seedHostKeys(dir);
  if (text !== undefined) writeFileSync(join(dir, 'config.yaml'), text);
  return dir;
}

describe('serve --print-config', () => {
  it('prints the defaults like sshd -T, and writes nothing', async () => {
    const dir = join(tmp(), 'never-created');
    const r = await runCli(['serve', '--print-config', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'port 2222',
      'listenaddress 0.0.0.0:2222',
      `hostkey ${dir}/ssh_host_ed25519_key`,
      `hostkey ${dir}/ssh_host_ecdsa_key`,
      `hostkey ${dir}/ssh_host_rsa_key`,
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        'profile default',
        'ciphers chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr',
        'maxauthtries 6',
        'logingracetime 120',
        'maxsessions 10',
        'maxstartups 10:30:100',
        'clientaliveinterval 0',
        'clientalivecountmax 3',
        'subsystem sftp internal-sftp',
        'rekeylimit 0 0',
        'banner none',
        'authenticationmethods any',
        'loglevel info',
        `homesdir ${dir}/homes`,
      ]),
    );
    expect(lines.find((l) => l.startsWith('kexalgorithms '))).toMatch(
      /^kexalgorithms mlkem768x25519-sha256,.*curve25519-sha256,/,
    );
    expect(lines.every((l) => /^[a-z]+ \S/.test(l))).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it('merges defaults < config file < flags, resolving sshd_config list syntax', async () => {
    const dir = dirWithConfig(
      [
        'port: 2200',
        'listenAddress: [127.0.0.1, "[::1]:2300"]',
        'ciphers: "-chacha20*,aes192-ctr"',
        'macs: "^hmac-sha2-512-etm@openssh.com"',
        'kexAlgorithms: +diffie-hellman-group14-sha256',
        'acceptEnv: LANG LC_*',
        'rekeyLimit: 1G 1h',
        'maxStartups: "5:50:20"',
        'loginGraceTime: 1m30s',
        'authenticationMethods: publickey,password',
        'subsystems: { sftp: internal-sftp, hello: /usr/local/bin/hello }',
        'banner: banner.txt',
        'log: { level: debug }',
      ].join('\n'),
    );
    const r = await runCli([
      'serve',
      '--print-config',
      '--data-dir',
      dir,
      '--port',
      '2400',
      '--log-level',
      'warn',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'port 2400',
        'listenaddress 127.0.0.1:2400',
        'listenaddress [::1]:2300',
        'ciphers aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr',
        'macs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1',
        'acceptenv LANG LC_*',
        'rekeylimit 1073741824 3600',
        'maxstartups 5:50:20',
        'logingracetime 90',
        'authenticationmethods publickey,password',
        'subsystem sftp internal-sftp',
        'subsystem hello /usr/local/bin/hello',
        `banner ${dir}/banner.txt`,
        'loglevel warn',
      ]),
    );
    expect(lines.find((l) => l.startsWith('kexalgorithms '))).toMatch(/,diffie-hellman-group14-sha256$/);
  });

  it('reads JSON with --config and prints JSON with --json, listing legacy algorithms', async () => {
    const base = tmp();
    const config = join(base, 'sshd.json');
    writeFileSync(
      config,
      JSON.stringify({ ciphers: '+aes128-cbc', profile: 'hardened', plugins: ['./p.js'] }),
    );
    const r = await runCli([
      'serve',
      '--print-config',
      '--json',
      '--config',
      config,
      '--data-dir',
      join(base, 'd'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(c).toMatchObject({
      profile: 'hardened',
      ciphers: [
        'aes256-gcm@openssh.com',
        'aes128-gcm@openssh.com',
        'aes256-ctr',
        'aes192-ctr',
        'aes128-ctr',
        'aes128-cbc',
      ],
      legacyAlgorithms: ['aes128-cbc'],
      // A relative plugin path is taken relative to the config file, like hostKeys and banner.
      plugins: [{ path: join(base, 'p.js'), optional: false, options: {} }],
    });
  });

  it('the hardened profile: no NIST curves, no SHA-1, no CBC, no chacha20-poly1305, only EtM SHA-2 MACs', async () => {
    const r = await runCli([
      'serve',
      '--print-config',
      '--json',
      '--profile',
      'hardened',
      '--data-dir',
      tmp(),
    ]);
    const c = JSON.parse(r.stdout) as Record<string, string[]>;
    expect(c['kexAlgorithms']).toEqual([
      'mlkem768x25519-sha256',
      'sntrup761x25519-sha512',
      'sntrup761x25519-sha512@openssh.com',
      'curve25519-sha256',
      'curve25519-sha256@libssh.org',
    ]);
    const signatures = ['ssh-ed25519', 'sk-ssh-ed25519@openssh.com', 'rsa-sha2-512', 'rsa-sha2-256'];
    const withCertificates = [
      ...signatures.map((n) => n.replace(/(@openssh\.com)?$/, '-cert-v01@openssh.com')),
      ...signatures,
    ];
    expect(c['hostKeyAlgorithms']).toEqual(withCertificates);
    expect(c['pubkeyAcceptedAlgorithms']).toEqual(withCertificates);
    expect(c['caSignatureAlgorithms']).toEqual(signatures);
    expect(c['macs']).toEqual(['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com']);
    expect(c['ciphers']!.some((n) => /cbc|chacha/.test(n))).toBe(false);
    expect(c['legacyAlgorithms']).toEqual([]);
  });
});

describe('serve refuses bad input with one line', () => {
  const cases: [string, string | undefined, string[], number, RegExp][] = [
    [
      'a wrong type',
      'maxAuthTries: six',
      [],
      1,
      /config\.yaml: maxAuthTries must be a positive integer \(got "six"\)\n/,
    ],
    [
      'an unknown key',
      'MaxAuthTries: 3',
      [],
      1,
      /unknown key "MaxAuthTries" \(did you mean "maxAuthTries"\?\)\n/,
    ],
    [
      'a bad algorithm name',
      'ciphers: aes128-gcm@openssh.co',
      [],
      1,
      /ciphers names an unknown cipher algorithm "aes128-gcm@openssh\.co" \(did you mean "aes128-gcm@openssh\.com"\?\)\n/,
    ],
    ['a YAML syntax error', 'port: [1', [], 1, /config\.yaml: line 1: /],
    [
      'a missing --config',
      undefined,
      ['--config', '/nonexistent/sshd.yaml'],
      1,
      /\/nonexistent\/sshd\.yaml: no such file \(check --config\)\n/,
    ],
    ['an unknown flag', undefined, ['--bogus'], 2, /Nonexistent flag: --bogus \(see --help\)/],
    [
      'a port out of range',
      undefined,
      ['--port', '70000'],
      2,
      /--port must be a port number from 0 to 65535 \(got "70000"\)/,
    ],
    ['a bad --listen', undefined, ['--listen', '127.0.0.1:99999'], 2, /--listen has a bad port "99999"/],
    [
      'a bad --shutdown-timeout',
      undefined,
      ['--shutdown-timeout', 'soon'],
      2,
      /--shutdown-timeout must be a whole number of seconds/,
    ],
    [
      '--stdio with --port',
      undefined,
      ['--stdio', '--port', '22'],
      2,
      /--stdio serves one connection on stdin\/stdout: drop --port and --listen/,
    ],
    [
      'a plugin that is not there',
      undefined,
      ['--plugin', './my-plugin.js'],
      1,
      /plugin \.\/my-plugin\.js: no such file or folder \(\/.*\/my-plugin\.js\)/,
    ],
  ];
  // Each value's checks are unit-tested (test/unit/server/config*.test.ts); these show the CLI's
  // one-line reporting, concurrently to keep the file quick.
  for (const [what, config, args, exit, pattern] of cases) {
    it.concurrent(`${what}`, async () => {
      const dir = dirWithConfig(config);
      const r = await runCli(['serve', '--data-dir', dir, ...args]);
      expectOneLineError(r, exit, pattern);
    });
  }

  it('--json without --print-config: a JSON error on stdout', async () => {
    const r = await runCli(['serve', '--json', '--data-dir', dirWithConfig(undefined)]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        message: '--json goes with --print-config (for JSON logs use --log-format json)',
        code: 'USAGE',
        exit: 2,
      },
    });
  });

  it('an encrypted host key without its passphrase names the file and the fix; with it, serve starts', async () => {
    const dir = dirWithConfig(undefined, true);
    const fixtures = join(REPO_ROOT, 'test/fixtures/keys');
    copyFileSync(join(fixtures, 'ed25519-enc'), join(dir, 'ssh_host_ed25519_key'));
    copyFileSync(join(fixtures, 'ed25519-enc.pub'), join(dir, 'ssh_host_ed25519_key.pub'));
    const r = await runCli(['serve', '--data-dir', dir, '--port', '0', '--listen', '127.0.0.1']);
    expectOneLineError(
      r,
      1,
      /ssh_host_ed25519_key is encrypted: give its passphrase with --host-key-passphrase-stdin/,
    );

    const p = startServe(dir, ['--host-key-passphrase-stdin'], { input: 'fixture passphrase\n' });
    running.push(p);
    await p.port();
    expect(p.lines().filter((l) => l.msg === 'host key')).toHaveLength(3);
  });

  it('hostKeys naming a missing file, and a port already in use', async () => {
    const dir = dirWithConfig('hostKeys: [keys/missing_key]');
    const r = await runCli(['serve', '--data-dir', dir]);
    expectOneLineError(
      r,
      1,
      /cannot read host key .*keys\/missing_key \(ENOENT\); check hostKeys in the config/,
    );

    const busy = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', () => res()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r2 = await runCli([
        'serve',
        '--data-dir',
        dirWithConfig(undefined, true),
        '--listen',
        `127.0.0.1:${port}`,
      ]);
      expectOneLineError(r2, 1, new RegExp(`EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}`));
      // The metrics endpoint's port, too, naming the key.
      const r3 = await runCli([
        'serve',
        '--data-dir',
        dirWithConfig(`port: 0\nlistenAddress: [127.0.0.1]\nmetricsListen: 127.0.0.1:${port}`, true),
      ]);
      expectOneLineError(
        r3,
        1,
        new RegExp(
          `^Error: .*metricsListen 127\\.0\\.0\\.1:${port}: listen EADDRINUSE: address already in use`,
        ),
      );
    } finally {
      busy.close();
    }
  });
});
