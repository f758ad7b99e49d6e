import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { startCertificateServer, writeUserCertificate } from '../helpers/certificates.js';
import { authenticatedWith, run, writeClientKey } from '../helpers/openssh.js';
import { OPENSSH10_ROOT, query10, requireOpenSsh10, ssh10 } from '../helpers/openssh10.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Key exchange methods that OpenSSH 9.2 (Debian 12) lacks, tested with OpenSSH 10 from a Debian 13
// tree (.ci/setup-openssh10): mlkem768x25519-sha256 and the un-suffixed sntrup761 name.

describe('OpenSSH 10 client: post-quantum key exchange', () => {
  let server: TestServer;
  let onlyIn10: string[];

  beforeAll(async () => {
    requireOpenSsh10();
    const registered = createDefaultRegistries().kex.names('default');
    const in92 = new Set(execFileSync('ssh', ['-Q', 'kex'], { encoding: 'utf8' }).split('\n'));
    const in10 = new Set(await query10('kex'));
    onlyIn10 = registered.filter((n) => in10.has(n) && !in92.has(n));
    server = await startTestServer();
  });

  afterAll(() => server?.close());

  it('includes ML-KEM', () => {
    expect(onlyIn10).toContain('mlkem768x25519-sha256');
  });

  it('negotiates each method only OpenSSH 10 has', async () => {
    for (const kex of onlyIn10) {
      const r = await ssh10(server.port, [
        '-vv',
        '-o',
        `KexAlgorithms=${kex}`,
        '-o',
        'PreferredAuthentications=none',
        'probe@127.0.0.1',
        'true',
      ]);
      expect(r.stderr).toContain(`kex: algorithm: ${kex}`);
      expect(r.stderr).toContain('SSH2_MSG_SERVICE_ACCEPT received');
    }
  });

  it('is what a default OpenSSH 10 client picks', async () => {
    const r = await ssh10(server.port, [
      '-vv',
      '-o',
      'PreferredAuthentications=none',
      'probe@127.0.0.1',
      'true',
    ]);
    expect(r.stderr).toContain('kex: algorithm: mlkem768x25519-sha256');
  });
});

// A user certificate and a host certificate with OpenSSH 10 over ML-KEM. ssh10's options take the
// host key as is (StrictHostKeyChecking=no, no known_hosts); here ssh must verify it through an
// @cert-authority line alone, so ssh runs with options of its own. Its files live inside the tree,
// where the chrooted ssh sees them.
describe('OpenSSH 10 client: certificates over mlkem768x25519-sha256', () => {
  let server: TestServer;
  let dir: string;
  /** `dir` as the chrooted ssh sees it. */
  let inside: string;

  /** ssh -v as `user` with the key `id` (and `id`-cert.pub beside it), the host checked strictly. */
  const login = (user: string, id: string) =>
    run('chroot', [
      OPENSSH10_ROOT,
      'ssh',
      ...['-F', '/dev/null', '-o', `UserKnownHostsFile=${inside}/known_hosts`],
      ...['-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes'],
      ...['-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes'],
      ...['-o', 'KexAlgorithms=mlkem768x25519-sha256', '-o', 'ConnectTimeout=10'],
      ...['-v', '-p', String(server.port), '-i', `${inside}/${id}`, `${user}@127.0.0.1`, 'echo $USER'],
    ]);

  beforeAll(async () => {
    requireOpenSsh10();
    dir = mkdtempSync(join(OPENSSH10_ROOT, 'tmp', 'sshd-kit-certs-'));
    inside = dir.slice(OPENSSH10_ROOT.replace(/\/+$/, '').length);
    const [userCa, hostCa, key] = await Promise.all([
      generatePrivateKey('ed25519'),
      generatePrivateKey('ed25519'),
      generatePrivateKey('ed25519'),
    ]);
    server = await startCertificateServer(userCa, hostCa, [{ name: 'alice' }, { name: 'bob' }]);
    const identity = async (id: string, principal: string) => {
      await writeClientKey(dir, id, key);
      writeUserCertificate(dir, id, userCa, key.publicKey, principal);
    };
    // The same key, certified for alice and for bob.
    await identity('alice', 'alice');
    await identity('bob', 'bob');
    writeFileSync(
      join(dir, 'known_hosts'),
      `@cert-authority [127.0.0.1]:${server.port} ${formatPublicKeyLine(hostCa.publicKey, '')}\n`,
    );
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with a user certificate, the host verified through @cert-authority', async () => {
    const r = await login('alice', 'alice');
    expect(r.stderr).toContain('kex: algorithm: mlkem768x25519-sha256');
    expect(r.stderr).toContain('kex: host key algorithm: ssh-ed25519-cert-v01@openssh.com');
    expect(r.stderr).toMatch(
      /Host '\[127\.0\.0\.1\]:\d+' is known and matches the ED25519-CERT host certificate/,
    );
    expect(r.stderr).toMatch(/Server accepts key: \S+ ED25519-CERT /);
    expect(authenticatedWith(r.stderr)).toBe('publickey');
    expect(r.stdout.toString()).toBe('alice\n');
    expect(r.code).toBe(0);
  });

  it('refuses a certificate that does not name the account', async () => {
    const r = await login('alice', 'bob');
    expect(r.stderr).toMatch(/Offering public key: \S+ ED25519-CERT /);
    expect(r.stderr).not.toMatch(/Server accepts key/);
    expect(authenticatedWith(r.stderr)).toBeUndefined();
    expect(r.stdout.toString()).toBe('');
    expect(r.code).toBe(255);
  });
});
