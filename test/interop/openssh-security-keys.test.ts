// FIDO security keys (PROTOCOL.u2f) with the real OpenSSH client: ssh signs through sk_soft.so,
// our software authenticator (test/interop/sk-provider), exactly as it would through a YubiKey's
// middleware. The provider's switches make it report no touch, a PIN check, or damage its
// signature, so every rule of the server's flag check meets a genuine OpenSSH signature.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log/logger.js';
import { parsePublicKeyLine } from '../../src/keys/public-key-line.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { authenticatedWith, ssh, type RunResult } from '../helpers/openssh.js';
import { buildSkProvider } from '../helpers/sk-provider.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const KEYS = [
  ['ed25519-sk', 'ED25519-SK'],
  ['ecdsa-sk', 'ECDSA-SK'],
] as const;

describe('OpenSSH ssh logs in with a FIDO security key', () => {
  let dir: string;
  let provider: string;
  let server: TestServer;
  const logged: string[] = [];
  const ignore = (): void => undefined;
  const log: Logger = {
    trace: ignore,
    debug: ignore,
    info: (_fields: object, message?: string) => void logged.push(message ?? ''),
    warn: ignore,
    error: ignore,
    child: () => log,
  };
  const keygen = (...args: string[]) =>
    execFileSync('ssh-keygen', ['-q', ...args], {
      stdio: 'pipe',
      env: { ...process.env, SSH_SK_PROVIDER: provider },
    });
  const line = (options: string, type: string) =>
    parseAuthorizedKeyLine(`${options} ${readFileSync(join(dir, `id_${type}.pub`), 'utf8').trim()}`.trim());

  beforeEach(() => {
    logged.length = 0;
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-sk-'));
    provider = buildSkProvider(dir);
    for (const [type] of KEYS)
      keygen('-t', type, '-N', '', '-C', `alice-${type}`, '-f', join(dir, `id_${type}`));
    keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'ca'));
    keygen('-t', 'ed25519', '-N', '', '-f', join(dir, 'id_plain'));
    const ca = parsePublicKeyLine(readFileSync(join(dir, 'ca.pub'), 'utf8'));
    server = await startTestServer({
      users: [
        { name: 'alice' },
        { name: 'bob' },
        { name: 'carol' },
        { name: 'dave' },
        { name: 'erin', password: 'pw', authMethods: [['publickey', 'password']] },
      ],
      backend: { trustedUserCAKeys: async () => [ca] },
      log,
    });
    for (const [type] of KEYS) await server.store.addKey('alice', line('', type));
    await server.store.addKey('alice', line('', 'plain'));
    await server.store.addKey('bob', line('no-touch-required', 'ed25519-sk'));
    await server.store.addKey('carol', line('verify-required', 'ed25519-sk'));
    await server.store.addKey('erin', line('', 'ed25519-sk'));
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `ssh -v` as `user` with the key (or its certificate), the provider told `env`. */
  const login = (user: string, identity: string, env: Record<string, string> = {}): Promise<RunResult> =>
    ssh(
      server.port,
      [
        '-v',
        '-o',
        `SecurityKeyProvider=${provider}`,
        '-i',
        join(dir, identity),
        `${user}@127.0.0.1`,
        'echo ok',
      ],
      { env: { ...process.env, ...env } },
    );

  const expectLogin = (r: RunResult, label: string) => {
    expect(r.stderr).toMatch(new RegExp(`Server accepts key: \\S+ ${label} `));
    expect(authenticatedWith(r.stderr)).toBe('publickey');
    expect(r.stdout.toString()).toBe('ok\n');
  };
  /** Refused, and the server logged `reason` for it (the log is emptied for the next one). */
  const expectRefused = (r: RunResult, reason: RegExp) => {
    expect(authenticatedWith(r.stderr)).toBeUndefined();
    expect(r.code).toBe(255);
    expect(
      logged.some((m) => reason.test(m)),
      logged.join('\n'),
    ).toBe(true);
    logged.length = 0;
  };

  for (const [type, label] of KEYS) {
    it(`${type}: a touched signature logs in`, async () => {
      expectLogin(await login('alice', `id_${type}`), label);
    });
  }

  it('an untouched signature is refused, unless the key line says no-touch-required', async () => {
    expectRefused(await login('alice', 'id_ed25519-sk', { SK_SOFT_FLAGS: '0x00' }), /not touched/);
    expectLogin(await login('bob', 'id_ed25519-sk', { SK_SOFT_FLAGS: '0x00' }), 'ED25519-SK');
  });

  it('after a refused security-key signature the client goes on with its next key', async () => {
    // The failure lists the methods left (it once listed none, and ssh gave up at once).
    const r = await ssh(
      server.port,
      [
        ...['-v', '-o', `SecurityKeyProvider=${provider}`],
        ...['-i', join(dir, 'id_ed25519-sk'), '-i', join(dir, 'id_plain'), 'alice@127.0.0.1', 'echo ok'],
      ],
      { env: { ...process.env, SK_SOFT_FLAGS: '0x00' } },
    );
    expect(r.stderr).toMatch(/Server accepts key: \S+id_ed25519-sk ED25519-SK /);
    expect(r.stderr).toMatch(/Server accepts key: \S+id_plain ED25519 /);
    expect(authenticatedWith(r.stderr)).toBe('publickey');
    expect(r.stdout.toString()).toBe('ok\n');
    expect(logged.some((m) => /not touched/.test(m))).toBe(true);
  });

  it('in a publickey,password chain, an untouched signature is refused at its own step (no partial success)', async () => {
    const r = await login('erin', 'id_ed25519-sk', { SK_SOFT_FLAGS: '0x00' });
    expect(r.stderr).not.toMatch(/partial success/);
    expectRefused(r, /not touched/);
    const touched = await login('erin', 'id_ed25519-sk');
    expect(touched.stderr).toMatch(/Authenticated using "publickey" with partial success/);
  });

  it('verify-required needs the PIN/biometric flag', async () => {
    expectRefused(await login('carol', 'id_ed25519-sk'), /did not verify its user/);
    expectLogin(await login('carol', 'id_ed25519-sk', { SK_SOFT_FLAGS: '0x05' }), 'ED25519-SK');
  });

  it("the server's pubkeyAuthOptions: touch-required overrides no-touch-required, verify-required asks a PIN of every security key", async () => {
    const strict = await startTestServer({
      users: [{ name: 'bob' }],
      backend: { securityKeys: { touchRequired: true, verifyRequired: true } },
      log,
    });
    try {
      await strict.store.addKey('bob', line('no-touch-required', 'ed25519-sk'));
      const as = (flags: string) =>
        ssh(
          strict.port,
          [
            '-v',
            '-o',
            `SecurityKeyProvider=${provider}`,
            '-i',
            join(dir, 'id_ed25519-sk'),
            'bob@127.0.0.1',
            'echo ok',
          ],
          { env: { ...process.env, SK_SOFT_FLAGS: flags } },
        );
      expectRefused(await as('0x04'), /not touched/);
      expectRefused(await as('0x01'), /did not verify its user/);
      expectLogin(await as('0x05'), 'ED25519-SK');
    } finally {
      await strict.close();
    }
  });

  it('a damaged signature is refused', async () => {
    const r = await login('alice', 'id_ecdsa-sk', { SK_SOFT_BAD_SIGNATURE: '1' });
    expect(authenticatedWith(r.stderr)).toBeUndefined();
    expect(r.code).toBe(255);
  });

  it('a certificate of a security key logs in through a trusted CA, its no-touch-required extension honoured', async () => {
    const id = join(dir, 'id_ed25519-sk');
    keygen('-s', join(dir, 'ca'), '-I', 'dave-key', '-n', 'dave', id + '.pub');
    const cert = await login('dave', 'id_ed25519-sk');
    expect(cert.stderr).toMatch(/Server accepts key: \S+ ED25519-SK-CERT /);
    expect(authenticatedWith(cert.stderr)).toBe('publickey');
    expectRefused(await login('dave', 'id_ed25519-sk', { SK_SOFT_FLAGS: '0x00' }), /not touched/);
    keygen('-s', join(dir, 'ca'), '-I', 'dave-key', '-n', 'dave', '-O', 'no-touch-required', id + '.pub');
    const untouched = await login('dave', 'id_ed25519-sk', { SK_SOFT_FLAGS: '0x00' });
    expect(untouched.stderr).toMatch(/Server accepts key: \S+ ED25519-SK-CERT /);
    expect(authenticatedWith(untouched.stderr)).toBe('publickey');
  });
});
