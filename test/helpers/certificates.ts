import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { encodeCertificate, parseCertificate, type CertificateFields } from '../../src/keys/certificate.js';
import type { PrivateKey, PublicKey } from '../../src/keys/types.js';
import { WireReader } from '../../src/wire/index.js';
import { startTestServer, testHostKeys, type TestServer, type TestUser } from './test-server.js';

/** Plain signature algorithm a CA of each key type signs with here (as ssh-keygen's defaults). */
const CA_ALGORITHMS: Readonly<Record<string, string>> = {
  'ssh-ed25519': 'ssh-ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521': 'ecdsa-sha2-nistp521',
  'ssh-rsa': 'rsa-sha2-512',
};

/**
 * A certificate of `key` signed by `ca` (PROTOCOL.certkeys), as `ssh-keygen -s` would make it:
 * by default a user certificate for `alice`, valid always, with the usual `permit-*` extensions.
 * `algorithm` picks the CA's signature algorithm (e.g. `ssh-rsa` for a SHA-1 signature).
 */
export function signCertificate(
  ca: PrivateKey,
  key: PublicKey,
  fields: Partial<CertificateFields> = {},
  algorithm = CA_ALGORITHMS[ca.type]!,
): Uint8Array {
  const all = {
    nonce: randomBytes(32),
    serial: 1n,
    role: 'user' as const,
    keyId: 'test',
    principals: ['alice'],
    validAfter: 0n,
    validBefore: 0xffffffffffffffffn,
    criticalOptions: [],
    extensions: ['permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty'].map((name) => ({ name })),
    ...fields,
    signatureKey: ca.publicKey,
  };
  const unsigned = encodeCertificate(all, key, new Uint8Array(0));
  const signer = createDefaultRegistries().hostKey.get(algorithm)!;
  return encodeCertificate(all, key, signer.sign(ca, unsigned.subarray(0, unsigned.length - 4)));
}

/** A certificate blob as a `-cert.pub` line: `<type> <base64> [comment]`. */
export function certificateLine(blob: Uint8Array, comment = ''): string {
  const type = new WireReader(blob).text();
  return `${type} ${Buffer.from(blob).toString('base64')}${comment === '' ? '' : ` ${comment}`}\n`;
}

/**
 * Writes `<dir>/<name>-cert.pub`: a user certificate of `key` for `principal` signed by `ca`, where
 * ssh (and most clients) look for the certificate of the identity `<dir>/<name>`. Returns its path.
 */
export function writeUserCertificate(
  dir: string,
  name: string,
  ca: PrivateKey,
  key: PublicKey,
  principal: string,
): string {
  const path = join(dir, `${name}-cert.pub`);
  writeFileSync(path, certificateLine(signCertificate(ca, key, { principals: [principal] }), name));
  return path;
}

/**
 * A test server that trusts `userCa` for user certificates (trustedUserCAKeys) and presents a host
 * certificate of each test host key, signed by `hostCa` for 127.0.0.1, with `users` in its store.
 */
export async function startCertificateServer(
  userCa: PrivateKey,
  hostCa: PrivateKey,
  users: readonly TestUser[],
): Promise<TestServer> {
  const hostCertificates = (await testHostKeys()).map((k) =>
    parseCertificate(signCertificate(hostCa, k.publicKey, { role: 'host', principals: ['127.0.0.1'] })),
  );
  return startTestServer({
    users,
    backend: { trustedUserCAKeys: async () => [userCa.publicKey] },
    server: { hostCertificates },
  });
}

/** `ssh-keygen` arguments for each kind of user key the certificate suites certify. */
export const KEYGEN_USER_KEYS = {
  ed25519: ['-t', 'ed25519'],
  'ecdsa-256': ['-t', 'ecdsa', '-b', '256'],
  'ecdsa-384': ['-t', 'ecdsa', '-b', '384'],
  'ecdsa-521': ['-t', 'ecdsa', '-b', '521'],
  'rsa-2048': ['-t', 'rsa', '-b', '2048'],
} as const;

/** Makes a passphrase-less key pair `<dir>/<name>` (and `.pub`, commented `name`) with `ssh-keygen` for each entry. */
export function keygenAll(dir: string, kinds: Readonly<Record<string, readonly string[]>>): void {
  for (const [name, args] of Object.entries(kinds))
    execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', name, '-f', join(dir, name)], {
      stdio: 'pipe',
    });
}
