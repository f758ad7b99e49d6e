import { randomBytes } from 'node:crypto';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { encodeCertificate, type CertificateFields } from '../../src/keys/certificate.js';
import type { PrivateKey, PublicKey } from '../../src/keys/types.js';

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
