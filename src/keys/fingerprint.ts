import { createHash } from 'node:crypto';
import type { KeyType, PublicKey } from './types.js';

const blobOf = (key: PublicKey | Uint8Array): Uint8Array => (key instanceof Uint8Array ? key : key.blob);

/**
 * The SHA256 fingerprint of a public key as OpenSSH prints it: `SHA256:` and the unpadded base64
 * of the SHA-256 of the key blob (ssh-keygen(1) `-l`, default `-E sha256`).
 */
export function fingerprintSha256(key: PublicKey | Uint8Array): string {
  const digest = createHash('sha256').update(blobOf(key)).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The legacy MD5 fingerprint, `MD5:` and colon-separated hex, as `ssh-keygen -l -E md5` prints it. */
export function fingerprintMd5(key: PublicKey | Uint8Array): string {
  const hex = createHash('md5').update(blobOf(key)).digest('hex');
  return `MD5:${hex.match(/../g)!.join(':')}`;
}

/** The short type label `ssh-keygen -l` prints in parentheses. */
export function keyTypeLabel(type: KeyType): 'ED25519' | 'ECDSA' | 'RSA' | 'DSA' | 'ED25519-SK' | 'ECDSA-SK' {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type === 'sk-ssh-ed25519@openssh.com') return 'ED25519-SK';
  if (type === 'sk-ecdsa-sha2-nistp256@openssh.com') return 'ECDSA-SK';
  if (type === 'ssh-rsa') return 'RSA';
  if (type === 'ssh-dss') return 'DSA';
  return 'ECDSA';
}

/**
 * The line `ssh-keygen -l -f` prints for a key: `<bits> SHA256:<fp> <comment> (<TYPE>)`, with
 * "no comment" when the comment is empty.
 */
export function formatFingerprintLine(key: PublicKey, comment: string | undefined = key.comment): string {
  const c = comment === undefined || comment === '' ? 'no comment' : comment;
  return `${key.bits} ${fingerprintSha256(key)} ${c} (${keyTypeLabel(key.type)})`;
}
