import { asBuffer } from '../util/as-buffer.js';
import { WireReader } from '../wire/index.js';
import { isCertificateKeyType } from './certificate.js';
import { parseCertificateLine } from './certificate-line.js';
import { KeyFormatError } from './errors.js';
import { isKrl, MAX_KRL_BYTES, parseKrl, type RevocationCertificate } from './krl.js';
import { decodeStrictBase64, parsePublicKeyLine } from './public-key-line.js';
import { bitLength, MIN_RSA_BITS } from './public-key.js';
import type { PublicKey } from './types.js';

/** Keys and certificates revoked by an sshd `RevokedKeys` file (sshd_config(5) "RevokedKeys"). */
export interface RevocationList {
  /**
   * True if `key` (the plain key) is revoked, or, when `certificate` describes the certificate
   * it came in, that certificate or its CA key is revoked.
   */
  isRevoked(key: PublicKey, certificate?: RevocationCertificate): boolean;
}

/**
 * Reads a `RevokedKeys` file as sshd does (authfile.c `sshkey_check_revoked`): a binary KRL when
 * it starts with the KRL magic ({@link parseKrl}), otherwise a text file of OpenSSH public key
 * lines with `#` comments and blank lines, where a listed key revokes itself and every certificate
 * of it or signed by it (a certificate line lists the key it certifies). RSA keys under 1024 bits
 * are skipped, as sshd skips them; any other line that is not a key we read refuses the file with
 * a {@link KeyFormatError} naming the line.
 */
export function parseRevokedKeys(bytes: Uint8Array): RevocationList {
  if (isKrl(bytes)) return parseKrl(bytes);
  if (bytes.length > MAX_KRL_BYTES) {
    throw new KeyFormatError(`revoked keys file of ${bytes.length} bytes is too large`);
  }
  const blobs = new Set<string>();
  const lines = asBuffer(bytes).toString('utf8').split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || isShortRsaLine(line)) continue;
    try {
      blobs.add(blobKey(plainKeyOfLine(line).blob));
    } catch (cause) {
      if (!(cause instanceof KeyFormatError)) throw cause;
      throw new KeyFormatError(`revoked keys file line ${index + 1}: ${cause.message}`, { cause });
    }
  }
  return new RevokedKeyBlobs(blobs);
}

/** The key a line lists: a public key, or the key a certificate certifies (sshd revokes that key). */
function plainKeyOfLine(line: string): PublicKey {
  const type = line.split(/[ \t]/, 1)[0]!;
  return isCertificateKeyType(type) ? parseCertificateLine(line).key : parsePublicKeyLine(line);
}

const blobKey = (blob: Uint8Array): string => asBuffer(blob).toString('latin1');

/**
 * True for an `ssh-rsa` line whose modulus is under {@link MIN_RSA_BITS}, a key sshd skips in a
 * revoked keys file (`sshkey_in_file` passes over SSH_ERR_KEY_LENGTH) rather than refusing it.
 */
function isShortRsaLine(line: string): boolean {
  const [type, b64] = line.split(/[ \t]+/, 2);
  if (type !== 'ssh-rsa' || b64 === undefined) return false;
  try {
    const r = new WireReader(decodeStrictBase64(b64, 'the key'));
    if (r.text(64) !== type) return false;
    r.mpintUnsigned();
    return bitLength(r.mpintUnsigned()) < MIN_RSA_BITS;
  } catch {
    return false; // not a well-formed RSA blob: parsePublicKeyLine says what is wrong
  }
}

/** A text revoked keys file: the blobs of the keys it lists (`sshkey_in_file` with check_ca). */
class RevokedKeyBlobs implements RevocationList {
  constructor(private readonly blobs: ReadonlySet<string>) {}

  isRevoked(key: PublicKey, certificate?: RevocationCertificate): boolean {
    return (
      this.blobs.has(blobKey(key.blob)) ||
      (certificate !== undefined && this.blobs.has(blobKey(certificate.signatureKey.blob)))
    );
  }
}
