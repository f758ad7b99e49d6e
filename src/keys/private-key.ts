import { KeyFormatError } from './errors.js';
import {
  encodeOpenSshPrivateKey,
  inspectOpenSshPrivateKey,
  isOpenSshPrivateKey,
  parseOpenSshPrivateKey,
  type EncodeOpenSshOptions,
} from './openssh-key-v1.js';
import { isPemEncrypted, isPemPrivateKey, parsePemPrivateKey } from './pem.js';
import { publicKeyFromKeyObject } from './public-key.js';
import type { PrivateKey, PublicKey } from './types.js';
import type { KeyObject } from 'node:crypto';

/** Longest private key file we read (a 16384-bit RSA key is about 12 KB). */
export const MAX_PRIVATE_KEY_FILE = 64 * 1024;

const asText = (input: string | Uint8Array): string => {
  if (input.length > MAX_PRIVATE_KEY_FILE) throw new KeyFormatError('private key file too large');
  return typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
};

/** The format of a private key file. */
export type PrivateKeyFormat = 'openssh' | 'pem';

/** What is known about a private key file before decrypting it. */
export interface PrivateKeyInfo {
  readonly format: PrivateKeyFormat;
  readonly encrypted: boolean;
  /** The public key, when the file stores it in clear (OpenSSH format always does). */
  readonly publicKey: PublicKey | undefined;
}

/** Looks at a private key file without its passphrase: format, whether encrypted, public key if readable. */
export function inspectPrivateKey(input: string | Uint8Array): PrivateKeyInfo {
  const text = asText(input);
  if (isOpenSshPrivateKey(text)) {
    const info = inspectOpenSshPrivateKey(text);
    return { format: 'openssh', encrypted: info.encrypted, publicKey: info.publicKey };
  }
  if (isPemPrivateKey(text)) {
    const encrypted = isPemEncrypted(text);
    return {
      format: 'pem',
      encrypted,
      publicKey: encrypted ? undefined : parsePemPrivateKey(text).publicKey,
    };
  }
  throw new KeyFormatError('not a private key in a format we read (openssh-key-v1 or PEM)');
}

/**
 * Reads a private key file: OpenSSH `openssh-key-v1` (plain or encrypted) or PEM (PKCS#8, PKCS#1,
 * SEC1; plain or encrypted). Throws {@link KeyFormatError}, {@link PassphraseRequiredError} or
 * {@link WrongPassphraseError}.
 */
export function parsePrivateKey(
  input: string | Uint8Array,
  options: { passphrase?: string | Uint8Array } = {},
): PrivateKey {
  const text = asText(input);
  if (isOpenSshPrivateKey(text)) return parseOpenSshPrivateKey(text, options.passphrase);
  if (isPemPrivateKey(text)) return parsePemPrivateKey(text, options.passphrase);
  throw new KeyFormatError('not a private key in a format we read (openssh-key-v1 or PEM)');
}

/** Wraps a node:crypto private key (Ed25519, ECDSA P-256/384/521, RSA) as a {@link PrivateKey}. */
export function privateKeyFromKeyObject(keyObject: KeyObject, comment = ''): PrivateKey {
  if (keyObject.type !== 'private') throw new TypeError('privateKeyFromKeyObject needs a private key');
  const publicKey = publicKeyFromKeyObject(keyObject, comment);
  return { type: publicKey.type, publicKey, keyObject, comment };
}

/** Serializes a private key in OpenSSH format (see {@link encodeOpenSshPrivateKey}). */
export function serializePrivateKey(key: PrivateKey, options: EncodeOpenSshOptions = {}): string {
  return encodeOpenSshPrivateKey(key, options);
}
