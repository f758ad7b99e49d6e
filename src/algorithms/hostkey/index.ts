import type { AlgorithmEntry, SignatureAlgorithm } from '../types.js';
import { ecdsaSha2Nistp256, ecdsaSha2Nistp384, ecdsaSha2Nistp521 } from './ecdsa.js';
import { sshEd25519 } from './ed25519.js';
import { rsaSha2256, rsaSha2512 } from './rsa.js';
import { skEcdsaSha2Nistp256, skSshEd25519 } from './security-key.js';

export { sshEd25519 } from './ed25519.js';
export { ecdsaSignatureAlgorithm, ecdsaSha2Nistp256, ecdsaSha2Nistp384, ecdsaSha2Nistp521 } from './ecdsa.js';
export { rsaSignatureAlgorithm, rsaSha2256, rsaSha2512 } from './rsa.js';
export { skSshEd25519, skEcdsaSha2Nistp256 } from './security-key.js';
export { SignatureBlob, encodeSignatureBlob, signatureFor } from './signature-blob.js';

/**
 * Signature algorithms for host keys and user keys, in OpenSSH 10's preference order: Ed25519,
 * ECDSA on P-256/384/521, the FIDO security keys (user keys only: PROTOCOL.u2f), then RSA with
 * SHA-512 and SHA-256 (RFC 8709, RFC 5656, RFC 8332).
 */
export const signatureAlgorithms: readonly AlgorithmEntry<SignatureAlgorithm>[] = [
  { algorithm: sshEd25519, status: 'default' },
  { algorithm: ecdsaSha2Nistp256, status: 'default' },
  { algorithm: ecdsaSha2Nistp384, status: 'default' },
  { algorithm: ecdsaSha2Nistp521, status: 'default' },
  { algorithm: skSshEd25519, status: 'default' },
  { algorithm: skEcdsaSha2Nistp256, status: 'default' },
  { algorithm: rsaSha2512, status: 'default' },
  { algorithm: rsaSha2256, status: 'default' },
];
