import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { startCertificateServer, writeUserCertificate } from '../helpers/certificates.js';
import { run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// PuTTY 0.78 (Debian putty-tools) with its default, modern algorithms: plink runs a command and
// psftp moves files. The legacy-algorithm PuTTY tests live in legacy-putty.test.ts.

describe('PuTTY plink and psftp', () => {
  let server: TestServer;
  let dir: string;
  let home: string;
  const common = () => [
    '-batch',
    '-pw',
    'pw',
    '-P',
    String(server.port),
    '-hostkey',
    fingerprintSha256(server.hostKeys[0]!.publicKey),
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-putty-'));
    server = await startTestServer({ users: [{ name: 'alice', password: 'pw' }] });
    home = join(server.dataDir, 'homes', 'alice');
    mkdirSync(home, { recursive: true, mode: 0o700 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plink runs a command and reports its exit status', async () => {
    const r = await run('plink', [...common(), 'alice@127.0.0.1', 'echo from plink; exit 4']);
    expect(r.stdout.toString()).toBe('from plink\n');
    expect(r.code).toBe(4);
  });

  it('psftp puts and gets a file byte-exact', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(dir, 'up'), data);
    writeFileSync(
      join(dir, 'batch'),
      `put ${join(dir, 'up')} putty.bin\nget putty.bin ${join(dir, 'down')}\nls\n`,
    );
    const r = await run('psftp', [...common(), '-b', join(dir, 'batch'), 'alice@127.0.0.1']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(home, 'putty.bin')).equals(data)).toBe(true);
    expect(readFileSync(join(dir, 'down')).equals(data)).toBe(true);
    expect(r.stdout.toString()).toMatch(/putty\.bin/);
  });
});

// PuTTY 0.78 added OpenSSH certificates: plink's -cert presents a user certificate with the -i key
// (a .ppk: PuTTY does not read OpenSSH private keys), and host CAs are trusted through saved
// settings only (the GUI's "Configure host CAs"), which on Unix are ~/.putty/sshhostcas/<name>
// files of key=value lines: so a temporary HOME holds one. There is no -hostkey here and plink runs
// in batch mode: a host key it cannot verify through the CA stops the connection.
describe('PuTTY plink with OpenSSH certificates', () => {
  let server: TestServer;
  let dir: string;
  let home: string;
  const identities: Record<string, string> = {};
  /** `plink -v -batch -i <key>.ppk -cert <cert> <user>@127.0.0.1 <command>`, HOME trusting the host CA or not. */
  const plink = (user: string, key: string, cert: string, command: string, { trustCa = true } = {}) =>
    run(
      'plink',
      [
        ...['-v', '-batch', '-P', String(server.port)],
        ...['-i', identities[key]!, '-cert', identities[cert]!, `${user}@127.0.0.1`, command],
      ],
      { env: { ...process.env, HOME: trustCa ? home : join(dir, 'no-ca') } },
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-putty-certs-'));
    const [userCa, hostCa, ed25519, rsa] = await Promise.all([
      generatePrivateKey('ed25519'),
      generatePrivateKey('ed25519'),
      generatePrivateKey('ed25519'),
      generatePrivateKey('rsa', { bits: 2048 }),
    ]);
    server = await startCertificateServer(userCa, hostCa, [{ name: 'alice' }, { name: 'bob' }]);
    for (const [name, key] of [
      ['ed25519', ed25519],
      ['rsa', rsa],
    ] as const) {
      const openssh = await writeClientKey(dir, name, key);
      expect((await run('puttygen', [openssh, '-O', 'private', '-o', `${openssh}.ppk`])).code).toBe(0);
      identities[name] = `${openssh}.ppk`;
    }
    for (const [name, key, principal] of [
      ['ed25519-alice', ed25519, 'alice'],
      ['ed25519-bob', ed25519, 'bob'],
      ['rsa-alice', rsa, 'alice'],
    ] as const) {
      identities[name] = writeUserCertificate(dir, name, userCa, key.publicKey, principal);
    }
    home = join(dir, 'home');
    mkdirSync(join(home, '.putty', 'sshhostcas'), { recursive: true });
    const caBlob = formatPublicKeyLine(hostCa.publicKey, '').split(' ')[1]!;
    writeFileSync(
      join(home, '.putty', 'sshhostcas', 'sshd-kit-test'),
      `PublicKey=${caBlob}\nMatchHosts=127.0.0.1\n`,
    );
    mkdirSync(join(dir, 'no-ca'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with a user certificate, the host trusted through its host certificate', async () => {
    for (const [key, cert] of [
      ['ed25519', 'ed25519-alice'],
      ['rsa', 'rsa-alice'],
    ] as const) {
      const r = await plink('alice', key, cert, 'echo $USER; exit 3');
      expect(r.stdout.toString(), r.stderr).toBe('alice\n');
      expect(r.code).toBe(3);
      // The host: its certificate, signed by the CA the saved settings name.
      expect(r.stderr).toMatch(/Host key fingerprint is:\nssh-ed25519-cert-v01@openssh.com /);
      expect(r.stderr).toContain("Certification authority matches 'sshd-kit-test'");
      expect(r.stderr).toContain('Accepted certificate');
      // The user: the certificate, accepted on the first offer.
      expect(r.stderr).toContain(`Sending public key with certificate from "${identities[cert]}"`);
      expect(r.stderr).toMatch(
        /Offer of public key accepted\n[^\n]*\nSent public key signature\nAccess granted/,
      );
    }
  });

  it('refuses a certificate that does not name the account; without the CA, plink refuses the host', async () => {
    const refused = await plink('alice', 'ed25519', 'ed25519-bob', 'echo $USER');
    expect(refused.stderr).toContain('Sending public key with certificate');
    expect(refused.stderr).toContain('Server refused our key');
    expect(refused.stderr).not.toContain('Access granted');
    expect(refused.stdout.toString()).toBe('');
    expect(refused.code).toBe(1);
    // The same certificate is good for bob.
    expect((await plink('bob', 'ed25519', 'ed25519-bob', 'echo $USER')).stdout.toString()).toBe('bob\n');

    const untrusted = await plink('alice', 'ed25519', 'ed25519-alice', 'echo $USER', { trustCa: false });
    expect(untrusted.stderr).toContain('Cannot confirm a host key in batch mode');
    expect(untrusted.stdout.toString()).toBe('');
    expect(untrusted.code).toBe(1);
  });
});
