// User certificates (PROTOCOL.certkeys) with the real OpenSSH client: certificates made by the real
// `ssh-keygen -s`, offered by `ssh -i` (which loads `<key>-cert.pub` beside the key and offers the
// plain key first, then the certificate). Success is read from `ssh -v` ("Server accepts key:
// ... -CERT", "Authenticated to ... using"); what the server decided and why, from its log.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { PublicKeyFields, PublicKeySignedData, UserauthRequest } from '../../src/auth/messages.js';
import { encodeCertificate, parseCertificate, type CertificateFields } from '../../src/keys/certificate.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { parsePrivateKey } from '../../src/keys/private-key.js';
import { parsePublicKeyLine } from '../../src/keys/public-key-line.js';
import type { PrivateKey, PublicKey } from '../../src/keys/types.js';
import { Msg } from '../../src/protocol/numbers.js';
import { WireWriter } from '../../src/wire/index.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { KEYGEN_USER_KEYS, keygenAll } from '../helpers/certificates.js';
import { authenticatedWith, ssh, type RunResult } from '../helpers/openssh.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { memoryLogger } from '../integration/plugin-helpers.js';

const USER_KEYS = KEYGEN_USER_KEYS;
type UserKey = keyof typeof USER_KEYS;
const CA_KEYS = {
  // Trusted by the server (trustedUserCAKeys).
  'ca-ed25519': ['-t', 'ed25519'],
  'ca-ecdsa': ['-t', 'ecdsa', '-b', '384'],
  'ca-rsa': ['-t', 'rsa', '-b', '2048'],
  // Trusted by nobody.
  'ca-untrusted': ['-t', 'ed25519'],
  // Named by the accounts' own cert-authority lines only.
  'ca-line': ['-t', 'ed25519'],
} as const;
type Ca = keyof typeof CA_KEYS;

let dir: string;
const sshKeygen = (...args: string[]): string =>
  execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const publicKey = (name: string): PublicKey =>
  parsePublicKeyLine(readFileSync(join(dir, `${name}.pub`), 'utf8'));
const publicLine = (name: string): string => readFileSync(join(dir, `${name}.pub`), 'utf8').trim();

let made = 0;
/**
 * A copy of the private key `key` with a certificate beside it, signed by `ca` with ssh-keygen's
 * `args`: the path to give `ssh -i`. With `certificate: false`, the key alone.
 */
function identity(ca: Ca, args: readonly string[], key: UserKey = 'ed25519', certificate = true): string {
  const base = join(dir, `id-${++made}`);
  copyFileSync(join(dir, key), base);
  chmodSync(base, 0o600);
  copyFileSync(join(dir, `${key}.pub`), `${base}.pub`);
  if (certificate) sshKeygen('-q', '-s', join(dir, ca), '-I', `cert ${made}`, ...args, `${base}.pub`);
  return base;
}

/**
 * An identity whose certificate ssh-keygen cannot write: a certificate made with ssh-keygen, its
 * fields changed by `change`, re-signed with the CA's private key (as ssh-keygen signs: ed25519).
 * Real `ssh` offers it like any other.
 */
function craftedIdentity(
  ca: 'ca-ed25519' | 'ca-line',
  change: (f: CertificateFields) => CertificateFields,
): string {
  const id = identity(ca, ['-n', 'alice']);
  const original = parseCertificate(
    Buffer.from(readFileSync(`${id}-cert.pub`, 'utf8').split(' ')[1]!, 'base64'),
  );
  const fields = { ...change(original), signatureKey: original.signatureKey };
  const unsigned = encodeCertificate(fields, original.key, new Uint8Array(0));
  const caKey = parsePrivateKey(readFileSync(join(dir, ca)));
  const signature = createDefaultRegistries()
    .hostKey.get('ssh-ed25519')!
    .sign(caKey, unsigned.subarray(0, unsigned.length - 4));
  const blob = Buffer.from(encodeCertificate(fields, original.key, signature));
  writeFileSync(`${id}-cert.pub`, `${original.type} ${blob.toString('base64')} crafted\n`);
  return id;
}

/** `ssh -v -i <identity> <user>@127.0.0.1 <command>` against `server`. */
function login(
  server: TestServer,
  id: string,
  user: string,
  command: readonly string[] = ['echo ok'],
  options: Parameters<typeof ssh>[2] = {},
): Promise<RunResult> {
  return ssh(server.port, ['-v', '-i', id, `${user}@127.0.0.1`, ...command], options);
}

/** `ssh -v` says the certificate (not the plain key) was accepted and the login completed. */
function expectCertificateLogin(r: RunResult): void {
  expect(r.stderr).toMatch(/Server accepts key: \S+ [A-Z0-9]+-CERT /);
  expect(authenticatedWith(r.stderr)).toBe('publickey');
}

/** The certificate was offered (so the refusal is the server's), and nothing logged in. */
function expectRefused(r: RunResult): void {
  expect(r.stderr).toMatch(/Offering public key: \S+ [A-Z0-9]+-CERT /);
  expect(r.stderr).not.toMatch(/Server accepts key/);
  expect(authenticatedWith(r.stderr)).toBeUndefined();
  expect(r.stderr).toMatch(/Permission denied \(publickey/);
  expect(r.code).toBe(255);
  expect(r.stdout.toString()).toBe('');
}

/**
 * ssh -tt with the pty refused: OpenSSH treats a refused pty it was told to force as fatal to the
 * session ("PTY allocation request failed", exit 255), so the command's output never shows.
 */
function expectNoPty(r: RunResult): void {
  expect(r.stderr).toMatch(/PTY allocation request failed on channel 0/);
  expect(r.stdout.toString()).not.toMatch(/\/dev\/pts/);
  expect(r.code).toBe(255);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sshd-kit-certs-'));
  keygenAll(dir, { ...USER_KEYS, ...CA_KEYS });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OpenSSH ssh logs in with a user certificate', () => {
  let server: TestServer;
  let sha1Server: TestServer;
  let noEd25519Server: TestServer;
  const logger = memoryLogger();
  const log = logger.lines;
  const revokedSerials = new Set<bigint>([666n]);
  const revokedKeys = new Set<string>();
  // What revokedKeys answers, inline (a KRL or a key list in real use): by serial, or by key.
  const revocation = {
    isRevoked: (key: PublicKey, cert?: { readonly serial: bigint }) =>
      revokedKeys.has(fingerprintSha256(key)) || (cert !== undefined && revokedSerials.has(cert.serial)),
  };
  const forwarding = { shell: true, exec: true, sftp: true, portForwarding: true, agentForwarding: true };

  beforeAll(async () => {
    const trusted = async () => [publicKey('ca-ed25519'), publicKey('ca-ecdsa'), publicKey('ca-rsa')];
    server = await startTestServer({
      users: [
        { name: 'alice', permissions: forwarding },
        { name: 'bob' },
        { name: 'carol' },
        { name: 'dave' },
        { name: 'erin' },
        { name: 'frank' },
        { name: 'gina', permissions: forwarding },
        { name: 'hank' },
        { name: 'ivan' },
        { name: 'judy', principals: ['ops', 'deploy'] },
      ],
      backend: { trustedUserCAKeys: trusted, revokedKeys: async () => revocation },
      log: logger,
    });
    const line = publicLine('ca-line');
    const addLine = (user: string, options: string) =>
      server.store.addKey(user, parseAuthorizedKeyLine(`${options} ${line}`));
    await addLine('carol', 'cert-authority');
    await addLine('dave', 'cert-authority,principals="ops,dba"');
    await addLine('erin', 'cert-authority,from="10.0.0.0/8"');
    await addLine('frank', 'cert-authority,from="127.0.0.1",command="echo from-line"');
    await addLine('gina', 'cert-authority,no-pty,no-port-forwarding');
    // The CA's key as a plain key: it vouches for itself, not for what it signs.
    await server.store.addKey('hank', parseAuthorizedKeyLine(line));
    await addLine('ivan', 'cert-authority,expiry-time="20200101"');

    sha1Server = await startTestServer({
      users: [{ name: 'alice' }],
      backend: { trustedUserCAKeys: trusted },
      server: { algorithms: { caSignatureAlgorithms: '+ssh-rsa' } },
    });
    noEd25519Server = await startTestServer({
      users: [{ name: 'alice' }],
      backend: { trustedUserCAKeys: trusted },
      server: { algorithms: { caSignatureAlgorithms: '-ssh-ed25519' } },
    });
  });
  afterAll(async () => {
    await server?.close();
    await sha1Server?.close();
    await noEd25519Server?.close();
  });
  beforeEach(() => void log.splice(0));

  /** The reasons the server gave for refusing certificates since the test began. */
  const refusals = () =>
    log.filter((l) => /certificate refused|key refused/.test(l.msg ?? '')).map((l) => l.msg);

  describe('through a trusted CA', () => {
    for (const key of Object.keys(USER_KEYS) as UserKey[]) {
      it(`an ${key} key certified by an ed25519 CA`, async () => {
        const r = await login(server, identity('ca-ed25519', ['-n', 'alice'], key), 'alice');
        expectCertificateLogin(r);
        expect(r.stdout.toString()).toBe('ok\n');
        expect(r.code).toBe(0);
      });
    }

    for (const [ca, key] of [
      ['ca-ecdsa', 'ed25519'],
      ['ca-ecdsa', 'rsa-2048'],
      ['ca-rsa', 'ed25519'],
      ['ca-rsa', 'ecdsa-256'],
    ] as const) {
      it(`an ${key} key certified by the ${ca.slice(3)} CA`, async () => {
        const r = await login(server, identity(ca, ['-n', 'alice'], key), 'alice');
        expectCertificateLogin(r);
        expect(r.stdout.toString()).toBe('ok\n');
      });
    }

    it('an rsa CA signing with rsa-sha2-256', async () => {
      const r = await login(server, identity('ca-rsa', ['-t', 'rsa-sha2-256', '-n', 'alice']), 'alice');
      expectCertificateLogin(r);
    });

    it("the login records the certificate's key id, serial and CA", async () => {
      const id = identity('ca-ed25519', ['-n', 'bob,alice', '-z', '4242', '-I', 'alice@laptop']);
      expectCertificateLogin(await login(server, id, 'alice'));
      const authenticated = log.find((l) => l.msg === 'authenticated');
      expect(authenticated?.fields).toMatchObject({
        user: 'alice',
        key: fingerprintSha256(publicKey('ed25519')),
        cert: {
          keyId: 'alice@laptop',
          serial: '4242',
          caFingerprint: fingerprintSha256(publicKey('ca-ed25519')),
        },
      });
    });

    it('a key id with control characters is escaped in the log', async () => {
      const id = identity('ca-ed25519', ['-n', 'alice', '-I', 'evil\n\u001b[31mred']);
      expectCertificateLogin(await login(server, id, 'alice'));
      const authenticated = log.find((l) => l.msg === 'authenticated');
      expect((authenticated?.fields.cert as { keyId: string }).keyId).toBe('evil\\x0a\\x1b[31mred');
    });

    it('a certificate for several principals logs in as each of them', async () => {
      const id = identity('ca-ed25519', ['-n', 'alice,bob']);
      for (const user of ['alice', 'bob']) {
        const r = await login(server, id, user, ['whoami >/dev/null; echo $USER']);
        expectCertificateLogin(r);
        expect(r.stdout.toString()).toBe(`${user}\n`);
      }
    });
  });

  it("through a trusted CA, by one of the account's own principals (AuthorizedPrincipalsFile)", async () => {
    const r = await login(server, identity('ca-ed25519', ['-n', 'ci,deploy']), 'judy');
    expectCertificateLogin(r);
    expect(r.stdout.toString()).toBe('ok\n');
    // With principals of its own, the account's name is no longer enough, as with sshd.
    expectRefused(await login(server, identity('ca-ed25519', ['-n', 'judy']), 'judy'));
    expect(refusals()).toContain('certificate refused: it names none of the principals the account allows');
  });

  describe('refused through a trusted CA', () => {
    it('when the account is not one of its principals', async () => {
      const id = identity('ca-ed25519', ['-n', 'bob']);
      expectRefused(await login(server, id, 'alice'));
      expect(refusals()).toContain('certificate refused: "alice" is not one of its principals');
      // The same certificate is good for bob.
      expectCertificateLogin(await login(server, id, 'bob'));
    });

    it('when its principal list is empty (valid for anyone is not accepted from a trusted CA)', async () => {
      expectRefused(await login(server, identity('ca-ed25519', []), 'alice'));
      expect(refusals()).toContain('certificate refused: it lists no principals');
    });

    it('when it has expired (-V -2d:-1d)', async () => {
      expectRefused(await login(server, identity('ca-ed25519', ['-n', 'alice', '-V', '-2d:-1d']), 'alice'));
      expect(refusals()).toContain('certificate refused: it has expired');
    });

    it('when it is not yet valid (-V +1d:+2d)', async () => {
      expectRefused(await login(server, identity('ca-ed25519', ['-n', 'alice', '-V', '+1d:+2d']), 'alice'));
      expect(refusals()).toContain('certificate refused: it is not yet valid');
    });

    it('a host certificate is not even offered by ssh (the server refuses it: see the raw client below)', async () => {
      const r = await login(server, identity('ca-ed25519', ['-h', '-n', 'alice']), 'alice');
      expect(r.stderr).toMatch(/ignoring certificate \S+: not a user certificate/);
      expect(r.stderr).not.toMatch(/-CERT/);
      expect(authenticatedWith(r.stderr)).toBeUndefined();
    });

    it('when its CA is not trusted', async () => {
      expectRefused(await login(server, identity('ca-untrusted', ['-n', 'alice']), 'alice'));
    });

    it('when it has a critical option the server does not know', async () => {
      const id = identity('ca-ed25519', ['-n', 'alice', '-O', 'critical:custom@example.com']);
      expectRefused(await login(server, id, 'alice'));
      expect(refusals()).toContain(
        'certificate refused: it has the critical option "custom@example.com", which this server does not support',
      );
    });

    it('when the CA signed with ssh-rsa (SHA-1), unless caSignatureAlgorithms has ssh-rsa', async () => {
      const id = identity('ca-rsa', ['-t', 'ssh-rsa', '-n', 'alice']);
      expect(sshKeygen('-L', '-f', `${id}-cert.pub`)).toMatch(/\(using ssh-rsa\)/);
      expectRefused(await login(server, id, 'alice'));
      expect(log.map((l) => l.msg)).toContain(
        'certificate refused: its CA signature does not verify with an allowed algorithm (caSignatureAlgorithms)',
      );
      expect(server.server.caSignatureAlgorithms).not.toContain('ssh-rsa');

      expect(sha1Server.server.caSignatureAlgorithms).toContain('ssh-rsa');
      expect(sha1Server.server.legacyAlgorithms).toContain('ssh-rsa');
      const r = await login(sha1Server, id, 'alice');
      expectCertificateLogin(r);
      expect(r.stdout.toString()).toBe('ok\n');
      // The opt-in adds ssh-rsa; the SHA-2 signatures are still accepted.
      expectCertificateLogin(await login(sha1Server, identity('ca-rsa', ['-n', 'alice']), 'alice'));
    });

    it('when caSignatureAlgorithms leaves out the algorithm the CA signed with (-ssh-ed25519)', async () => {
      expect(noEd25519Server.server.caSignatureAlgorithms).not.toContain('ssh-ed25519');
      expectRefused(await login(noEd25519Server, identity('ca-ed25519', ['-n', 'alice']), 'alice'));
      // The user key may still be ed25519: only the CA's signature algorithm is narrowed.
      expectCertificateLogin(await login(noEd25519Server, identity('ca-ecdsa', ['-n', 'alice']), 'alice'));
    });

    it('when it has verify-required and the key is not a security key (nothing can verify its user)', async () => {
      const id = identity('ca-ed25519', ['-n', 'alice', '-O', 'verify-required']);
      expectRefused(await login(server, id, 'alice'));
      expect(refusals()).toContain(
        'key refused: verify-required applies, and only a security key can verify its user',
      );
      expect(refusals()).toContain(
        'key refused: verify-required applies, and only a security key can verify its user',
      );
    });

    it('when it is revoked (by serial, or by its key), and not otherwise', async () => {
      expectRefused(await login(server, identity('ca-ed25519', ['-n', 'alice', '-z', '666']), 'alice'));
      expect(refusals()).toContain('key refused: it is revoked (revokedKeys)');
      expectCertificateLogin(
        await login(server, identity('ca-ed25519', ['-n', 'alice', '-z', '667']), 'alice'),
      );

      const key = fingerprintSha256(publicKey('ecdsa-256'));
      revokedKeys.add(key);
      try {
        expectRefused(await login(server, identity('ca-ed25519', ['-n', 'alice'], 'ecdsa-256'), 'alice'));
      } finally {
        revokedKeys.delete(key);
      }
    });

    it('the plain key of a certified key is not accepted for its certificate', async () => {
      // The same key, without its certificate beside it: alice has no plain key.
      const r = await login(server, identity('ca-ed25519', ['-n', 'alice'], 'ed25519', false), 'alice');
      expect(r.stderr).toMatch(/Offering public key: \S+ ED25519 /);
      expect(r.stderr).not.toMatch(/-CERT/);
      expect(authenticatedWith(r.stderr)).toBeUndefined();
      expect(r.code).toBe(255);
    });
  });

  describe("the certificate's own restrictions", () => {
    it('force-command runs instead of what the client asks', async () => {
      const id = identity('ca-ed25519', [
        '-n',
        'alice',
        '-O',
        'force-command=echo forced:"$SSH_ORIGINAL_COMMAND"',
      ]);
      const r = await login(server, id, 'alice', ['echo asked']);
      expectCertificateLogin(r);
      expect(r.stdout.toString()).toBe('forced:echo asked\n');
      const shell = await login(server, id, 'alice', ['-T'], { input: 'echo asked\n' });
      expect(shell.stdout.toString()).toBe('forced:\n');
    });

    it('-O no-pty: the pty request is refused (ssh -tt then gives up); with permit-pty ssh -tt gets one', async () => {
      const noPty = await login(server, identity('ca-ed25519', ['-n', 'alice', '-O', 'no-pty']), 'alice', [
        '-tt',
        'tty',
      ]);
      expectCertificateLogin(noPty);
      expectNoPty(noPty);

      const pty = await login(server, identity('ca-ed25519', ['-n', 'alice']), 'alice', ['-tt', 'tty']);
      expectCertificateLogin(pty);
      expect(pty.stderr).not.toMatch(/PTY allocation request failed/);
      expect(pty.stdout.toString()).toMatch(/^\/dev\/pts\/\d+\r\n$/);
      expect(pty.code).toBe(0);
    });

    describe('port forwarding', () => {
      let echo: Server;
      let echoPort: number;
      beforeAll(async () => {
        echo = createServer((s) => s.pipe(s));
        await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
        echoPort = (echo.address() as { port: number }).port;
      });
      afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

      /** `ssh -W` to the echo server: the bytes come back only if the server opens the channel. */
      const stdioForward = (id: string, user = 'alice') =>
        login(server, id, user, ['-W', `127.0.0.1:${echoPort}`], { input: 'ping\n' });

      it('allowed with permit-port-forwarding, refused with -O no-port-forwarding', async () => {
        const allowed = await stdioForward(identity('ca-ed25519', ['-n', 'alice']));
        expectCertificateLogin(allowed);
        expect(allowed.stdout.toString()).toBe('ping\n');

        const refused = await stdioForward(
          identity('ca-ed25519', ['-n', 'alice', '-O', 'no-port-forwarding']),
        );
        expectCertificateLogin(refused);
        expect(refused.stderr).toMatch(/administratively prohibited/);
        expect(refused.stdout.toString()).toBe('');
        expect(refused.code).toBe(255);
      });

      it('refused by a cert-authority line with no-port-forwarding, whatever the certificate allows', async () => {
        const r = await stdioForward(identity('ca-line', ['-n', 'gina']), 'gina');
        expectCertificateLogin(r);
        expect(r.stderr).toMatch(/administratively prohibited/);
        expect(r.stdout.toString()).toBe('');
      });
    });

    it('a crafted certificate re-signed by the CA logs in (the crafting is sound)', async () => {
      const id = craftedIdentity('ca-ed25519', (f) => ({ ...f, keyId: 'crafted', serial: 99n }));
      const r = await login(server, id, 'alice');
      expectCertificateLogin(r);
      expect(r.stdout.toString()).toBe('ok\n');
    });

    it('a force-command with a NUL inside is refused at login, as sshd refuses it', async () => {
      // Before the fix: the login succeeded, then every session failed to start (spawn refuses a NUL).
      const id = craftedIdentity('ca-ed25519', (f) => ({
        ...f,
        criticalOptions: [{ name: 'force-command', value: 'echo forced\0ignored' }],
      }));
      expectRefused(await login(server, id, 'alice'));
      expect(refusals()).toContain('certificate refused: its force-command contains a NUL byte');
    });

    it('a known extension carrying data is refused, as sshd refuses it ("corrupt (extra data)")', async () => {
      // Before the fix: accepted, and the pty granted.
      const id = craftedIdentity('ca-ed25519', (f) => ({
        ...f,
        extensions: [{ name: 'permit-pty', value: 'yes' }],
      }));
      expectRefused(await login(server, id, 'alice', ['-tt', 'tty']));
      expect(refusals()).toContain(
        'certificate refused: its extension "permit-pty" carries data (a flag takes none)',
      );
    });

    it('source-address=127.0.0.1/32 lets 127.0.0.1 in; 10.0.0.0/8 does not', async () => {
      const here = identity('ca-ed25519', ['-n', 'alice', '-O', 'source-address=127.0.0.1/32']);
      const r = await login(server, here, 'alice');
      expectCertificateLogin(r);
      expect(r.stdout.toString()).toBe('ok\n');

      const elsewhere = identity('ca-ed25519', ['-n', 'alice', '-O', 'source-address=10.0.0.0/8']);
      expectRefused(await login(server, elsewhere, 'alice'));
      expect(refusals()).toContain('certificate refused: its source-address does not allow 127.0.0.1');
    });
  });

  describe("through the account's cert-authority line", () => {
    it('without principals=: the account name, or an empty principal list', async () => {
      expectCertificateLogin(await login(server, identity('ca-line', ['-n', 'carol']), 'carol'));
      const anyone = await login(server, identity('ca-line', []), 'carol');
      expectCertificateLogin(anyone);
      expect(anyone.stdout.toString()).toBe('ok\n');
      expectRefused(await login(server, identity('ca-line', ['-n', 'alice']), 'carol'));
      expect(refusals()).toContain('certificate refused: "carol" is not one of its principals');
    });

    it("vouches for its own account only, and the trusted CAs' certificates still log in", async () => {
      // ca-line is not a trusted CA: its certificate for alice is refused.
      expectRefused(await login(server, identity('ca-line', ['-n', 'alice']), 'alice'));
      // A trusted CA's certificate naming carol logs in as carol too.
      expectCertificateLogin(await login(server, identity('ca-ed25519', ['-n', 'carol']), 'carol'));
    });

    it('with principals="ops,dba": one of those, not the account name, not an empty list', async () => {
      expectCertificateLogin(await login(server, identity('ca-line', ['-n', 'web,dba']), 'dave'));
      expectRefused(await login(server, identity('ca-line', ['-n', 'dave']), 'dave'));
      expect(refusals()).toContain(
        'certificate refused: it names none of the principals the cert-authority line allows',
      );
      expectRefused(await login(server, identity('ca-line', []), 'dave'));
    });

    it('with from= that does not match 127.0.0.1: refused', async () => {
      expectRefused(await login(server, identity('ca-line', ['-n', 'erin']), 'erin'));
    });

    it('with expiry-time= in the past: refused', async () => {
      expectRefused(await login(server, identity('ca-line', ['-n', 'ivan']), 'ivan'));
    });

    it('only a cert-authority line vouches for certificates, and never for the CA key itself', async () => {
      // hank lists the CA key as a plain key: a certificate it signed is refused...
      expectRefused(await login(server, identity('ca-line', ['-n', 'hank']), 'hank'));
      // ...while the key itself logs in as a plain key.
      const plain = await ssh(server.port, ['-v', '-i', join(dir, 'ca-line'), 'hank@127.0.0.1', 'echo ok']);
      expect(plain.stderr).toMatch(/Server accepts key: \S+ ED25519 /);
      expect(plain.stdout.toString()).toBe('ok\n');
      // carol names it as a cert-authority: the CA key as a plain key is refused.
      const asKey = await ssh(server.port, ['-v', '-i', join(dir, 'ca-line'), 'carol@127.0.0.1', 'echo ok']);
      expect(asKey.stderr).toMatch(/Offering public key: \S+ ED25519 /);
      expect(authenticatedWith(asKey.stderr)).toBeUndefined();
      expect(asKey.code).toBe(255);
    });

    it('with command=: the command runs instead of what the client asks', async () => {
      const r = await login(server, identity('ca-line', ['-n', 'frank']), 'frank', ['echo asked']);
      expectCertificateLogin(r);
      expect(r.stdout.toString()).toBe('from-line\n');
    });

    it('command= and a different force-command: refused; the same one: accepted', async () => {
      const differs = identity('ca-line', ['-n', 'frank', '-O', 'force-command=echo from-cert']);
      expectRefused(await login(server, differs, 'frank', ['echo asked']));
      expect(refusals()).toContain(
        'certificate refused: its force-command differs from the command= of the cert-authority line',
      );
      const same = identity('ca-line', ['-n', 'frank', '-O', 'force-command=echo from-line']);
      const r = await login(server, same, 'frank', ['echo asked']);
      expectCertificateLogin(r);
      expect(r.stdout.toString()).toBe('from-line\n');
    });

    it("the line's no-pty applies though the certificate permits a pty", async () => {
      const r = await login(server, identity('ca-line', ['-n', 'gina']), 'gina', ['-tt', 'tty']);
      expectCertificateLogin(r);
      expectNoPty(r);
    });

    it("the certificate's restrictions and checks apply as through a trusted CA", async () => {
      expectRefused(await login(server, identity('ca-line', ['-n', 'carol', '-V', '-2d:-1d']), 'carol'));
      expect(refusals()).toContain('certificate refused: it has expired');
      const forced = identity('ca-line', ['-n', 'carol', '-O', 'force-command=echo cert-forced']);
      expect((await login(server, forced, 'carol', ['echo asked'])).stdout.toString()).toBe('cert-forced\n');
    });
  });
});

describe('revokedKeys that cannot be read', () => {
  let server: TestServer;
  const logger = memoryLogger();
  const log = logger.lines;
  let broken = true;

  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice' }],
      backend: {
        trustedUserCAKeys: async () => [publicKey('ca-ed25519')],
        revokedKeys: async () => {
          if (broken) throw new Error('revoked keys file is unreadable');
          return { isRevoked: () => false };
        },
      },
      log: logger,
    });
    await server.store.addKey('alice', parseAuthorizedKeyLine(publicLine('ecdsa-384')));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses every public key, certificates and plain keys alike, until they can be read', async () => {
    const cert = identity('ca-ed25519', ['-n', 'alice']);
    const plain = identity('ca-ed25519', [], 'ecdsa-384', false);
    expectRefused(await login(server, cert, 'alice'));
    const r = await login(server, plain, 'alice');
    expect(r.stderr).toMatch(/Offering public key: \S+ ECDSA /);
    expect(authenticatedWith(r.stderr)).toBeUndefined();
    expect(r.code).toBe(255);
    expect(log.some((l) => l.level === 'error' && /cannot read revokedKeys/.test(l.msg ?? ''))).toBe(true);

    broken = false;
    expectCertificateLogin(await login(server, cert, 'alice'));
    const again = await login(server, plain, 'alice');
    expect(again.stderr).toMatch(/Server accepts key: \S+ ECDSA /);
    expect(authenticatedWith(again.stderr)).toBe('publickey');
  });
});

/**
 * A publickey request offering `blob` under `algorithm` (RFC 4252 §7), signed by the ed25519 `key`
 * as ssh-ed25519: for a certificate, the certified key signs with the plain algorithm
 * (PROTOCOL.certkeys).
 */
function publicKeyRequest(
  user: string,
  key: PrivateKey,
  algorithm: string,
  blob: Uint8Array,
  sessionId: Uint8Array,
) {
  const signer = createDefaultRegistries().hostKey.get('ssh-ed25519')!;
  const common = { userName: user, serviceName: 'ssh-connection', methodName: 'publickey' };
  const signed = PublicKeySignedData.encode({
    sessionId,
    messageNumber: Msg.UserauthRequest,
    ...common,
    hasSignature: true,
    algorithm,
    publicKey: blob,
    hostKey: new Uint8Array(0),
  });
  return UserauthRequest.encode({
    ...common,
    methodFields: PublicKeyFields.encode({
      hasSignature: true,
      algorithm,
      publicKey: blob,
      rest: new WireWriter().bytes(signer.sign(key, signed)).finish(),
    }),
  });
}

describe('trustedUserCAKeys that cannot be read', () => {
  let server: TestServer;
  const logger = memoryLogger();
  const log = logger.lines;

  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice' }],
      backend: {
        trustedUserCAKeys: () => Promise.reject(new Error('TrustedUserCAKeys file is unreadable')),
      },
      log: logger,
    });
    await server.store.addKey('alice', parseAuthorizedKeyLine(`cert-authority ${publicLine('ca-line')}`));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("trust no CA of theirs, but the account's cert-authority lines still do", async () => {
    expectRefused(await login(server, identity('ca-ed25519', ['-n', 'alice']), 'alice'));
    expect(log.some((l) => l.level === 'error' && /cannot read trustedUserCAKeys/.test(l.msg ?? ''))).toBe(
      true,
    );
    expectCertificateLogin(await login(server, identity('ca-line', ['-n', 'alice']), 'alice'));
  });
});

describe('what OpenSSH ssh will not send, from our own client', () => {
  let server: TestServer;
  const logger = memoryLogger();
  const log = logger.lines;
  let key: PrivateKey;

  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice' }, { name: 'carol' }],
      backend: { trustedUserCAKeys: async () => [publicKey('ca-ed25519')] },
      log: logger,
    });
    await server.store.addKey('carol', parseAuthorizedKeyLine(`cert-authority ${publicLine('ca-line')}`));
    key = parsePrivateKey(readFileSync(join(dir, 'ed25519')));
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => void log.splice(0));

  const certificateBlob = (id: string) =>
    Buffer.from(readFileSync(`${id}-cert.pub`, 'utf8').split(' ')[1]!, 'base64');

  /** The server's answer (USERAUTH_SUCCESS or _FAILURE) to one signed publickey request. */
  async function answer(user: string, algorithm: string, blob: Uint8Array): Promise<number | undefined> {
    const client = new RawClient(server.port);
    try {
      await client.established;
      await client.requestService('ssh-userauth');
      client.transport.send(publicKeyRequest(user, key, algorithm, blob, client.transport.sessionId!));
      return (await client.next())?.[0];
    } finally {
      client.close();
    }
  }
  const CERT = 'ssh-ed25519-cert-v01@openssh.com';

  it('a user certificate logs in (the client is right)', async () => {
    const blob = certificateBlob(identity('ca-ed25519', ['-n', 'alice']));
    expect(await answer('alice', CERT, blob)).toBe(Msg.UserauthSuccess);
    expect(await answer('carol', CERT, certificateBlob(identity('ca-line', ['-n', 'carol'])))).toBe(
      Msg.UserauthSuccess,
    );
  });

  it('a host certificate is refused, through a trusted CA and through a cert-authority line', async () => {
    expect(await answer('alice', CERT, certificateBlob(identity('ca-ed25519', ['-h', '-n', 'alice'])))).toBe(
      Msg.UserauthFailure,
    );
    expect(await answer('carol', CERT, certificateBlob(identity('ca-line', ['-h', '-n', 'carol'])))).toBe(
      Msg.UserauthFailure,
    );
    const reasons = log
      .filter((l) => l.msg?.startsWith('certificate refused'))
      .map((l) => [l.fields.user, l.msg]);
    expect(reasons).toContainEqual(['alice', 'certificate refused: it is a host certificate']);
    expect(reasons).toContainEqual(['carol', 'certificate refused: it is a host certificate']);
  });

  it('a certificate under a plain or another certificate algorithm, or a plain key under a certificate one', async () => {
    const blob = certificateBlob(identity('ca-ed25519', ['-n', 'alice']));
    expect(await answer('alice', 'ssh-ed25519', blob)).toBe(Msg.UserauthFailure);
    expect(await answer('alice', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', blob)).toBe(Msg.UserauthFailure);
    expect(await answer('alice', CERT, key.publicKey.blob)).toBe(Msg.UserauthFailure);
  });

  it('a certificate whose CA signature was tampered with', async () => {
    const blob = certificateBlob(identity('ca-ed25519', ['-n', 'alice']));
    blob[blob.length - 1]! ^= 1;
    expect(await answer('alice', CERT, blob)).toBe(Msg.UserauthFailure);
    expect(log.map((l) => l.msg)).toContain(
      'certificate refused: its CA signature does not verify with an allowed algorithm (caSignatureAlgorithms)',
    );
  });
});
