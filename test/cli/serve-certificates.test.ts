// `sshd-kit serve` with OpenSSH certificates, end to end: a host certificate the real `ssh`
// verifies through an @cert-authority line, user certificates through trustedUserCAKeys, a
// revocation in a KRL that applies without a restart, and one-line errors for bad files.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ssh } from '../helpers/openssh.js';
import { ensureBuilt, expectOneLineError, runCli, tempDirs } from './helpers.js';
import { addUser, seedHostKeys, startServe, type ServeProcess } from './serve-helpers.js';

const tmp = tempDirs('sshd-kit-serve-certs-');
beforeAll(ensureBuilt, 180_000);

const running: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });

/** A data directory with host keys and a user, a CA, and a user key with its certificate. */
async function setUp(): Promise<{ dir: string; data: string }> {
  const dir = tmp();
  const data = join(dir, 'data');
  seedHostKeys(data);
  await addUser(data, 'bob');
  keygen('-t', 'ed25519', '-N', '', '-C', 'ca', '-f', join(dir, 'ca'));
  keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'id'));
  keygen('-s', join(dir, 'ca'), '-I', 'bob@laptop', '-n', 'bob', '-z', '7', join(dir, 'id.pub'));
  return { dir, data };
}

/** `ssh` that trusts only the CA for host keys (no TOFU) and offers only the certificate. */
function sshWithCa(dir: string, port: number, command: string) {
  const ca = execFileSync('cat', [join(dir, 'ca.pub')], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'known_hosts'), `@cert-authority [127.0.0.1]:${port} ${ca}\n`);
  return ssh(port, [
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `CertificateFile=${join(dir, 'id-cert.pub')}`,
    '-i',
    join(dir, 'id'),
    'bob@127.0.0.1',
    command,
  ]);
}

describe('serve with certificates', () => {
  it('presents a host certificate, logs users in by certificate, and applies a new KRL at once', async () => {
    const { dir, data } = await setUp();
    keygen(
      '-s',
      join(dir, 'ca'),
      '-I',
      'host',
      '-h',
      '-n',
      '127.0.0.1',
      join(data, 'ssh_host_ed25519_key.pub'),
    );
    keygen('-k', '-f', join(dir, 'revoked.krl'));
    writeFileSync(
      join(data, 'config.yaml'),
      [
        'hostCertificates: [ssh_host_ed25519_key-cert.pub]',
        `trustedUserCAKeys: ${join(dir, 'ca.pub')}`,
        `revokedKeys: ${join(dir, 'revoked.krl')}`,
      ].join('\n'),
    );
    const p = startServe(data);
    running.push(p);
    const port = await p.port();
    const hostCert = p.lines().find((l) => l.msg === 'host certificate');
    expect(hostCert).toMatchObject({ keyId: 'host', serial: '0', principals: ['127.0.0.1'] });

    const r = await sshWithCa(dir, port, 'echo hello');
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('hello\n');
    const login = await p.waitFor((l) => l.msg === 'authenticated');
    expect(login['cert']).toMatchObject({ keyId: 'bob@laptop', serial: '7' });

    // Revoke serial 7 of this CA: the next login is refused, with no restart.
    writeFileSync(join(dir, 'spec'), 'serial: 7\n');
    keygen('-k', '-u', '-f', join(dir, 'revoked.krl'), '-s', join(dir, 'ca.pub'), join(dir, 'spec'));
    const refused = await sshWithCa(dir, port, 'echo hello');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied \(publickey/);
    const why = await p.waitFor((l) => l.msg === 'key refused: it is revoked (revokedKeys)');
    expect(why['cert']).toMatchObject({ keyId: 'bob@laptop', serial: '7' });
  });

  it('prints the certificate settings like sshd -T', async () => {
    const { dir, data } = await setUp();
    writeFileSync(
      join(data, 'config.yaml'),
      [`trustedUserCAKeys: ${join(dir, 'ca.pub')}`, 'caSignatureAlgorithms: +ssh-rsa'].join('\n'),
    );
    const r = await runCli(['serve', '--print-config', '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `trustedusercakeys ${join(dir, 'ca.pub')}`,
        'revokedkeys none',
        'casignaturealgorithms ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256,ssh-rsa',
      ]),
    );
    expect(lines.find((l) => l.startsWith('hostkeyalgorithms '))).toMatch(
      /^hostkeyalgorithms ssh-ed25519-cert-v01@openssh\.com,.*,ssh-ed25519,/,
    );
  });

  describe('stops with one line', () => {
    let dir: string;
    beforeAll(async () => {
      ({ dir } = await setUp());
      keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'other'));
      keygen('-s', join(dir, 'ca'), '-I', 'stranger', '-h', join(dir, 'other.pub'));
      writeFileSync(join(dir, 'bad-krl'), 'not a key\n');
    });
    const cases: [string, (dir: string) => string, RegExp][] = [
      [
        'a missing trustedUserCAKeys file',
        (d) => `trustedUserCAKeys: ${join(d, 'missing.pub')}`,
        /trustedUserCAKeys: .*missing\.pub: cannot read it \(ENOENT\)/,
      ],
      [
        'a private key as trustedUserCAKeys',
        (d) => `trustedUserCAKeys: ${join(d, 'id')}`,
        /trustedUserCAKeys: .*\/id: a PEM or private key file, not public key lines \(give the \.pub file\)/,
      ],
      [
        'a malformed revokedKeys file',
        (d) => `revokedKeys: ${join(d, 'bad-krl')}`,
        /revokedKeys: .*bad-krl: .*line 1/,
      ],
      [
        'a user certificate as a host certificate',
        (d) => `hostCertificates: [${join(d, 'id-cert.pub')}]`,
        /id-cert\.pub is a user certificate \(sign host keys with ssh-keygen -s CA -h\)/,
      ],
      [
        'a host certificate of another key',
        (d) => `hostCertificates: [${join(d, 'other-cert.pub')}]`,
        /other-cert\.pub certifies SHA256:\S+, which is not one of the server's host keys/,
      ],
      [
        'a plain key as a host certificate',
        (d) => `hostCertificates: [${join(d, 'ca.pub')}]`,
        /ca\.pub: "ssh-ed25519" is a key type, not a certificate/,
      ],
      [
        'an unknown CA signature algorithm',
        () => 'caSignatureAlgorithms: ssh-rsa-sha1',
        /caSignatureAlgorithms .*unknown host key algorithm "ssh-rsa-sha1"/,
      ],
    ];
    for (const [what, config, pattern] of cases) {
      it.concurrent(what, async () => {
        const data = join(tmp(), 'data');
        seedHostKeys(data);
        writeFileSync(join(data, 'config.yaml'), config(dir));
        const r = await runCli(['serve', '--data-dir', data, '--port', '0', '--listen', '127.0.0.1']);
        expectOneLineError(r, 1, pattern);
      });
    }
  });
});
