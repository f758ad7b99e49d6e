import type { AlgorithmEntry, SignatureAlgorithm } from '../types.js';
import { sshDss } from './dsa.js';
import { rsaSignatureAlgorithm } from './rsa.js';

export { sshDss, dssSignRaw, dssVerifyRaw, isSshDssKey, DSS_SIGNATURE_HALF } from './dsa.js';

/** `ssh-rsa` (RFC 4253 §6.6): RSASSA-PKCS1-v1_5 with SHA-1 over `ssh-rsa` keys. */
export const sshRsa = rsaSignatureAlgorithm('ssh-rsa', 'sha1');

/** ssh-rsa (SHA-1) and ssh-dss, opt-in (issue 8), in preference order. */
export const legacySignatureAlgorithms: readonly AlgorithmEntry<SignatureAlgorithm>[] = [
  { algorithm: sshRsa, status: 'legacy' },
  { algorithm: sshDss, status: 'legacy' },
];
