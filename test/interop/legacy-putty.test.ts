import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSha256, parsePrivateKey, type PrivateKey } from '../../src/keys/index.js';
import { run } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';
import { echoSession } from '../helpers/echo-session.js';

// The seed's legacy algorithms with PuTTY's plink (Debian putty-tools), which still speaks
// blowfish-cbc, which OpenSSH dropped. The server offers exactly one algorithm of the kind under
// test, so plink must use it; plink's event log (-v) says what it initialised.

const PLINK_VERSION = execFileSync('plink', ['-V'], { encoding: 'utf8' }).split('\n')[0]!;
const dsaFixture = fileURLToPath(new URL('../fixtures/keys/dsa', import.meta.url));

/** What plink -v logs for each algorithm. */
const CIPHER_LOG: Record<string, string> = {
  'blowfish-cbc': 'Blowfish-128 CBC',
  '3des-cbc': 'triple-DES CBC',
  'aes128-cbc': 'AES-128 CBC',
  'aes192-cbc': 'AES-192 CBC',
  'aes256-cbc': 'AES-256 CBC',
};
const MAC_LOG: Record<string, string> = {
  'hmac-sha1-96': 'HMAC-SHA-1-96',
  'hmac-md5': 'HMAC-MD5',
  'hmac-sha1-96-etm@openssh.com': 'HMAC-SHA-1-96',
  'hmac-md5-etm@openssh.com': 'HMAC-MD5',
};
/** plink's "Initialised ..." line, allowing its "(AES-NI accelerated)"-style notes. */
const initialised = (label: string, what: string, suffix = ''): RegExp =>
  new RegExp(`Initialised ${label.replace(/[()]/g, '\\$&')}( \\([^)]*accelerated\\))? ${what}${suffix}\\n`);
const KEX_LOG: Record<string, RegExp> = {
  'diffie-hellman-group1-sha1':
    /Diffie-Hellman key exchange using 1024-bit modulus and hash SHA-1 .*"group1"/,
  'diffie-hellman-group14-sha1':
    /Diffie-Hellman key exchange using 2048-bit modulus and hash SHA-1 .*"group14"/,
  'diffie-hellman-group-exchange-sha1':
    /Diffie-Hellman key exchange using \d+-bit modulus and hash SHA-1 .*server-supplied group/,
};

describe(`PuTTY plink (${PLINK_VERSION}) × legacy algorithms`, () => {
  let home: string;
  let hostKeys: PrivateKey[];
  const servers: TestServer[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sshd-kit-putty-'));
    mkdirSync(join(home, '.putty', 'sessions'), { recursive: true });
    // Every algorithm above PuTTY's warning line, so batch mode never stops to ask about one.
    writeFileSync(
      join(home, '.putty', 'sessions', 'Default%20Settings'),
      [
        'Cipher=blowfish,3des,aes,chacha20,aesgcm,des,arcfour,WARN',
        'KEX=dh-gex-sha1,dh-group14-sha1,dh-group1-sha1,ecdh,rsa,ntru-curve25519,WARN',
        'HostKey=rsa,dsa,ed25519,ecdsa,ed448,WARN',
        'Compression=1',
        '',
      ].join('\n'),
    );
    hostKeys = [...(await testHostKeys()), parsePrivateKey(readFileSync(dsaFixture, 'utf8'))];
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Starts a server offering only the given algorithms (on top of what each kind needs). */
  async function serverWith(algorithms: {
    ciphers?: string[];
    macs?: string[];
    kexAlgorithms?: string[];
    hostKeyAlgorithms?: string[];
    compression?: string[];
  }): Promise<TestServer> {
    const s = await startTestServer({
      users: [{ name: 'alice', password: 'legacy password' }],
      server: {
        hostKeys,
        algorithms: {
          ciphers: algorithms.ciphers ?? ['aes128-cbc'],
          macs: algorithms.macs ?? ['hmac-sha1-96'],
          kexAlgorithms: algorithms.kexAlgorithms ?? ['diffie-hellman-group14-sha1'],
          hostKeyAlgorithms: algorithms.hostKeyAlgorithms ?? ['ssh-rsa'],
          compression: algorithms.compression ?? ['none'],
        },
      },
      setup: (srv) => srv.channelTypes.add(echoSession, 'test', { replace: true }),
    });
    servers.push(s);
    return s;
  }

  /** Logs in with plink, runs `cat` over `input`, checks the echo and returns plink's event log. */
  async function plink(
    server: TestServer,
    hostKeyType: 'ssh-rsa' | 'ssh-dss',
    input: Buffer,
  ): Promise<string> {
    const key = hostKeys.find((k) => k.type === hostKeyType)!;
    const r = await run(
      'plink',
      [
        '-v',
        '-batch',
        '-ssh',
        '-P',
        String(server.port),
        '-hostkey',
        fingerprintSha256(key.publicKey),
        '-pw',
        'legacy password',
        'alice@127.0.0.1',
        'cat',
      ],
      { env: { ...process.env, HOME: home }, input, timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.equals(input)).toBe(true);
    expect(r.stderr).toMatch(/Access granted/);
    return r.stderr;
  }

  for (const [cipher, label] of Object.entries(CIPHER_LOG)) {
    it(`cipher ${cipher} moves 256 KiB both ways`, async () => {
      const log = await plink(await serverWith({ ciphers: [cipher] }), 'ssh-rsa', randomBytes(256 * 1024));
      expect(log).toMatch(initialised(label, 'outbound encryption'));
      expect(log).toMatch(initialised(label, 'inbound encryption'));
    });
  }

  for (const [mac, label] of Object.entries(MAC_LOG)) {
    it(`mac ${mac} with blowfish-cbc`, async () => {
      const log = await plink(
        await serverWith({ ciphers: ['blowfish-cbc'], macs: [mac] }),
        'ssh-rsa',
        randomBytes(64 * 1024),
      );
      const etm = mac.endsWith('-etm@openssh.com') ? ' \\(in ETM mode\\)' : '';
      expect(log).toMatch(initialised(label, 'outbound MAC algorithm', etm));
      expect(log).toMatch(initialised(label, 'inbound MAC algorithm', etm));
    });
  }

  for (const [kex, pattern] of Object.entries(KEX_LOG)) {
    for (const hostKey of ['ssh-rsa', 'ssh-dss'] as const) {
      it(`kex ${kex} with a ${hostKey} host key`, async () => {
        const log = await plink(
          await serverWith({ kexAlgorithms: [kex], hostKeyAlgorithms: [hostKey] }),
          hostKey,
          Buffer.from(`${kex}\n`),
        );
        expect(log).toMatch(pattern);
        expect(log).toMatch(new RegExp(`Host key fingerprint is:\\s+${hostKey} `));
      });
    }
  }

  for (const compression of ['zlib', 'zlib@openssh.com']) {
    it(`compression ${compression} round-trips 4 MiB`, async () => {
      const data = Buffer.concat([Buffer.alloc(2 << 20, 'legacy '), randomBytes(2 << 20)]);
      const log = await plink(
        await serverWith({ ciphers: ['blowfish-cbc'], macs: ['hmac-md5'], compression: [compression] }),
        'ssh-rsa',
        data,
      );
      const delayed = compression === 'zlib@openssh.com' ? 'delayed ' : '';
      expect(log).toContain(`Initialised ${delayed}zlib (RFC1950) compression`);
      expect(log).toContain(`Initialised ${delayed}zlib (RFC1950) decompression`);
      if (delayed) expect(log).toMatch(/Will enable zlib \(RFC1950\) compression after user authentication/);
    });
  }
});
