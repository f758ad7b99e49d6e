import { createPrivateKey, type KeyObject } from 'node:crypto';
import { KeyFormatError, PassphraseRequiredError, WrongPassphraseError } from './errors.js';
import { publicKeyFromKeyObject } from './public-key.js';
import type { PrivateKey } from './types.js';

/** PEM labels of private keys node:crypto reads: PKCS#8 (RFC 5958), PKCS#1 (RFC 8017), SEC1 (RFC 5915). */
const PEM_BEGIN =
  /-----BEGIN (ENCRYPTED PRIVATE KEY|PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY|DSA PRIVATE KEY)-----/;

/** True if `text` holds a PEM private key we hand to node:crypto. */
export function isPemPrivateKey(text: string): boolean {
  return PEM_BEGIN.test(text);
}

/** True if a PEM private key is encrypted (PKCS#8 EncryptedPrivateKeyInfo or a legacy `Proc-Type: 4,ENCRYPTED`). */
export function isPemEncrypted(text: string): boolean {
  return text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(text);
}

/**
 * Reads a PEM private key (PKCS#8, PKCS#1 RSA, SEC1 EC; encrypted or not) with node:crypto.
 * Ed25519, ECDSA P-256/384/521 and RSA keys are accepted; PEM files carry no comment.
 */
export function parsePemPrivateKey(text: string, passphrase?: string | Uint8Array): PrivateKey {
  const m = PEM_BEGIN.exec(text);
  if (m === null) throw new KeyFormatError('not a PEM private key');
  const label = m[1]!;
  if (!text.includes(`-----END ${label}-----`, m.index)) {
    throw new KeyFormatError(`truncated PEM private key (no END ${label} line)`);
  }
  const encrypted = isPemEncrypted(text);
  const pass = typeof passphrase === 'string' ? Buffer.from(passphrase, 'utf8') : passphrase;
  if (encrypted && (pass === undefined || pass.length === 0)) throw new PassphraseRequiredError();
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({
      key: text,
      format: 'pem',
      ...(encrypted ? { passphrase: Buffer.from(pass!) } : {}),
    });
  } catch (cause) {
    // A wrong passphrase shows as a bad decrypt or, when the padding happens to look right, as
    // undecodable plaintext: both mean the passphrase did not fit.
    if (encrypted)
      throw new WrongPassphraseError('wrong passphrase for the private key (or a corrupt key)', { cause });
    throw new KeyFormatError('corrupt PEM private key', { cause });
  }
  if (keyObject.asymmetricKeyType === 'rsa-pss') throw new KeyFormatError('RSA-PSS keys are not supported');
  const publicKey = publicKeyFromKeyObject(keyObject);
  return { type: publicKey.type, publicKey, keyObject, comment: '' };
}
