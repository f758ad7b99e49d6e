import type { Certificate } from '../../keys/certificate.js';
import type { AlgorithmRegistry } from '../registry.js';
import type { AlgorithmEntry, SignatureAlgorithm } from '../types.js';
import { ecdsaSha2Nistp256, ecdsaSha2Nistp384, ecdsaSha2Nistp521 } from './ecdsa.js';
import { sshEd25519 } from './ed25519.js';
import { sshRsa } from './legacy.js';
import { rsaSha2256, rsaSha2512 } from './rsa.js';
import { skEcdsaSha2Nistp256, skSshEd25519 } from './security-key.js';
import { SignatureBlob } from './signature-blob.js';

/**
 * A certificate algorithm (PROTOCOL.certkeys): the key is a certificate of type `keyType`, and its
 * signatures are the certified plain key's, made with `certified` (`rsa-sha2-512-cert-v01@openssh.com`
 * signs as `rsa-sha2-512`). `sign` takes the plain private key and `verify` the certified plain key.
 */
function certificateAlgorithm(
  name: string,
  keyType: string,
  certified: SignatureAlgorithm,
): SignatureAlgorithm {
  return {
    name,
    keyType,
    certified,
    sign: (key, data) => certified.sign(key, data),
    verify: (key, data, signatureBlob) => certified.verify(key, data, signatureBlob),
    ...(certified.securityKeyDetails ? { securityKeyDetails: certified.securityKeyDetails } : {}),
  };
}

const RSA_CERT = 'ssh-rsa-cert-v01@openssh.com';

/**
 * The certificate forms of the signature algorithms, in OpenSSH 10's order (they come before the
 * plain ones there); `ssh-rsa-cert-v01@openssh.com` signs with SHA-1 and is legacy like `ssh-rsa`.
 */
export const certificateSignatureAlgorithms: readonly AlgorithmEntry<SignatureAlgorithm>[] = [
  ...[sshEd25519, ecdsaSha2Nistp256, ecdsaSha2Nistp384, ecdsaSha2Nistp521].map((plain) => ({
    algorithm: certificateAlgorithm(
      `${plain.name}-cert-v01@openssh.com`,
      `${plain.name}-cert-v01@openssh.com`,
      plain,
    ),
    status: 'default' as const,
  })),
  ...[skSshEd25519, skEcdsaSha2Nistp256].map((plain) => ({
    algorithm: certificateAlgorithm(
      plain.name.replace('@openssh.com', '-cert-v01@openssh.com'),
      plain.name.replace('@openssh.com', '-cert-v01@openssh.com'),
      plain,
    ),
    status: 'default' as const,
  })),
  ...[rsaSha2512, rsaSha2256].map((plain) => ({
    algorithm: certificateAlgorithm(`${plain.name}-cert-v01@openssh.com`, RSA_CERT, plain),
    status: 'default' as const,
  })),
  { algorithm: certificateAlgorithm(RSA_CERT, RSA_CERT, sshRsa), status: 'legacy' },
];

/**
 * Whether the CA signed `cert` (PROTOCOL.certkeys): with a plain algorithm among `allowed`
 * (sshd_config CASignatureAlgorithms) that matches the CA key's type. False for anything else.
 */
export function verifyCertificateSignature(
  cert: Certificate,
  algorithms: AlgorithmRegistry<SignatureAlgorithm>,
  allowed: readonly string[],
): boolean {
  let name: string;
  try {
    name = SignatureBlob.decode(cert.signature).algorithm;
  } catch {
    return false;
  }
  const algorithm = allowed.includes(name) ? algorithms.get(name) : undefined;
  if (algorithm === undefined || algorithm.certified || algorithm.keyType !== cert.signatureKey.type)
    return false;
  return algorithm.verify(cert.signatureKey, cert.signedData, cert.signature);
}
