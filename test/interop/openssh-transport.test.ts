import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { parseCertificate } from '../../src/keys/certificate.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { signCertificate } from '../helpers/certificates.js';
import { ssh } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';

// The real OpenSSH client against the transport over the algorithm matrix: every key exchange ×
// host key type (plain and as a host certificate), every cipher, every MAC (with a non-AEAD cipher). Which algorithms the installed
// client speaks comes from `ssh -Q`, and every non-legacy algorithm in our registry that it speaks
// is tested, so a newly registered algorithm is covered at once.

const query = (what: string) => execFileSync('ssh', ['-Q', what], { encoding: 'utf8' }).trim().split('\n');
const registries = createDefaultRegistries();
const modern = <T extends { name: string }>(r: { list(): readonly { algorithm: T; status: string }[] }) =>
  r
    .list()
    .filter((e) => e.status !== 'legacy')
    .map((e) => e.algorithm.name);
const clientKex = new Set(query('kex'));
const clientCiphers = new Set(query('cipher'));
const clientMacs = new Set(query('mac'));
const clientSigs = new Set(query('key-sig'));

const kexes = modern(registries.kex).filter((n) => clientKex.has(n));
const ciphers = modern(registries.cipher).filter((n) => clientCiphers.has(n));
const macs = modern(registries.mac).filter((n) => clientMacs.has(n));
// Security keys sign for users only: no server holds one as a host key.
const hostKeyAlgorithms = modern(registries.hostKey).filter(
  (n) => clientSigs.has(n) && !registries.hostKey.get(n)?.securityKeyDetails,
);

interface Negotiated {
  kex?: string;
  hostKey?: string;
  cipher?: string;
  mac?: string;
  serviceAccepted: boolean;
}

function negotiatedFrom(stderr: string): Negotiated {
  return {
    kex: /kex: algorithm: (\S+)/.exec(stderr)?.[1],
    hostKey: /kex: host key algorithm: (\S+)/.exec(stderr)?.[1],
    cipher: /kex: server->client cipher: (\S+)/.exec(stderr)?.[1],
    mac: /kex: server->client cipher: \S+ MAC: (\S+)/.exec(stderr)?.[1],
    serviceAccepted: stderr.includes('SSH2_MSG_SERVICE_ACCEPT received'),
  };
}

async function negotiate(port: number, options: string[]): Promise<Negotiated> {
  const r = await ssh(
    port,
    ['-vv', '-o', 'PreferredAuthentications=none', ...options, 'probe@127.0.0.1', 'true'],
    {
      timeoutMs: 60_000,
    },
  );
  return negotiatedFrom(r.stderr);
}

describe('OpenSSH client × transport algorithm matrix', () => {
  let server: TestServer;

  beforeAll(async () => {
    const extra = await Promise.all([
      generatePrivateKey('ecdsa', { bits: 384 }),
      generatePrivateKey('ecdsa', { bits: 521 }),
    ]);
    const hostKeys = [...(await testHostKeys()), ...extra];
    // A host certificate of each key; with no @cert-authority line, ssh checks the plain key.
    const ca = await generatePrivateKey('ed25519');
    const hostCertificates = hostKeys.map((k) =>
      parseCertificate(signCertificate(ca, k.publicKey, { role: 'host', principals: ['127.0.0.1'] })),
    );
    server = await startTestServer({
      server: {
        hostKeys,
        hostCertificates,
        // One test opens a connection per host key algorithm at once, past OpenSSH's 10:30:100.
        maxStartups: { start: 100, rate: 30, full: 100 },
        algorithms: {
          kexAlgorithms: kexes,
          ciphers,
          macs,
          hostKeyAlgorithms,
        },
      },
    });
  });

  afterAll(() => server?.close());

  it('covers every algorithm the installed client and the registry share', () => {
    expect(kexes).toContain('curve25519-sha256');
    expect(ciphers).toContain('chacha20-poly1305@openssh.com');
    expect(macs).toContain('hmac-sha2-256-etm@openssh.com');
    expect(hostKeyAlgorithms).toContain('rsa-sha2-256');
    expect(hostKeyAlgorithms).toContain('rsa-sha2-256-cert-v01@openssh.com');
    expect(hostKeyAlgorithms).toContain('ecdsa-sha2-nistp521-cert-v01@openssh.com');
  });

  for (const kex of kexes) {
    it(`kex ${kex} × every host key algorithm`, async () => {
      const results = await Promise.all(
        hostKeyAlgorithms.map((hk) =>
          negotiate(server.port, ['-o', `KexAlgorithms=${kex}`, '-o', `HostKeyAlgorithms=${hk}`]),
        ),
      );
      results.forEach((n, i) => {
        expect(n).toMatchObject({ kex, hostKey: hostKeyAlgorithms[i], serviceAccepted: true });
      });
    }, 120_000);
  }

  for (const cipher of ciphers) {
    it(`cipher ${cipher}`, async () => {
      const n = await negotiate(server.port, ['-o', `Ciphers=${cipher}`]);
      expect(n).toMatchObject({ cipher, serviceAccepted: true });
    });
  }

  for (const mac of macs) {
    it(`mac ${mac} with aes128-ctr`, async () => {
      const n = await negotiate(server.port, ['-o', 'Ciphers=aes128-ctr', '-o', `MACs=${mac}`]);
      expect(n).toMatchObject({ cipher: 'aes128-ctr', mac, serviceAccepted: true });
    });
  }
});
