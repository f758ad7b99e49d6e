import { KeyFormatError } from '../keys/errors.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { decodeStrictBase64 } from '../keys/public-key-line.js';
import { parsePublicKeyBlob } from '../keys/public-key.js';
import type { KeyType, PublicKey } from '../keys/types.js';
import { parseKeyOptions, DEFAULT_KEY_OPTIONS, type AuthorizedKeyOptions } from './authorized-key-options.js';
import { AuthorizedKeyError } from './errors.js';
import { hasControlChars } from './text.js';

/** One parsed `authorized_keys` line: options, the key, and its comment (sshd(8) AUTHORIZED_KEYS FILE FORMAT). */
export interface AuthorizedKey {
  readonly options: AuthorizedKeyOptions;
  /** The options as written on the line; '' when none. */
  readonly optionsText: string;
  /** The key type name, as on the line and inside the blob (RFC 4253 §6.6). */
  readonly type: KeyType;
  /** The public key blob in SSH wire encoding; compared byte for byte with what a client offers. */
  readonly blob: Uint8Array;
  /** The decoded key (bits, node:crypto object for signature checks), comment included. */
  readonly key: PublicKey;
  /** Free text after the key, often `user@host`; '' when none. */
  readonly comment: string;
  /** `SHA256:` and the unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  /** The line in canonical form (single spaces between fields), as the store keeps it. */
  readonly line: string;
}

// Every key type name OpenSSH writes to authorized_keys. A first field that is one of these means the
// line has no options; the ones we cannot verify yet are named in the error instead of "unknown option".
const SUPPORTED_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const UNSUPPORTED_TYPES = new Set([
  'ssh-dss',
  'ssh-ed448',
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-xmss@openssh.com',
]);

function isKeyTypeName(word: string): boolean {
  const base = word.replace(/-cert-v01@openssh\.com$/, '');
  return SUPPORTED_TYPES.has(word) || UNSUPPORTED_TYPES.has(base) || SUPPORTED_TYPES.has(base);
}

function fail(message: string, cause?: unknown): never {
  throw new AuthorizedKeyError(`authorized_keys: ${message}`, { cause });
}

function decodeKey(type: string, base64: string, comment: string): PublicKey {
  if (type.endsWith('-cert-v01@openssh.com'))
    fail(
      `"${type}" is a certificate: authorize its CA instead, as a cert-authority line (or in trustedUserCAKeys)`,
    );
  if (!SUPPORTED_TYPES.has(type)) {
    fail(
      isKeyTypeName(type) ? `key type "${type}" is not supported` : `unknown key type "${type.slice(0, 64)}"`,
    );
  }
  try {
    const key = parsePublicKeyBlob(
      decodeStrictBase64(base64, 'the key'),
      comment === '' ? undefined : comment,
    );
    if (key.type !== type) fail(`the line says "${type}" but the key inside is "${key.type}"`);
    return key;
  } catch (err) {
    if (err instanceof KeyFormatError) fail(err.message, err);
    throw err;
  }
}

/**
 * Parse one `authorized_keys` line: `[options] keytype base64 [comment]`. Blank and `#` lines are not
 * keys and throw, as does anything malformed; see {@link parseAuthorizedKeys} for whole files.
 * Throws {@link AuthorizedKeyError} with a one-line message naming the problem.
 */
export function parseAuthorizedKeyLine(line: string): AuthorizedKey {
  const text = line.replace(/\r?\n$/, '').trim();
  if (text === '' || text.startsWith('#')) fail('the line holds no key');
  if (hasControlChars(text, '', true)) fail('the line contains a control character other than tab');
  if (text.length > 16 * 1024) fail('the line is longer than 16 KiB');
  const first = text.split(/\s/, 1)[0]!;
  let options = DEFAULT_KEY_OPTIONS;
  let optionsText = '';
  let rest = text;
  if (!isKeyTypeName(first)) {
    ({ options, text: optionsText, rest } = parseKeyOptions(text));
    if (rest === '') fail('options are not followed by a key');
  }
  const fields = rest.split(/\s+/);
  const type = fields[0]!;
  if (fields.length < 2) fail(`"${type.slice(0, 64)}" is not followed by a base64 key`);
  const comment = fields.slice(2).join(' ');
  const key = decodeKey(type, fields[1]!, comment);
  const canonical = [optionsText, type, fields[1], comment].filter((f) => f !== '').join(' ');
  return Object.freeze({
    options,
    optionsText,
    type: key.type,
    blob: key.blob,
    key,
    comment,
    fingerprint: fingerprintSha256(key),
    line: canonical,
  });
}

/** A line of an `authorized_keys` text that did not parse. */
export interface AuthorizedKeysLineError {
  /** 1-based line number. */
  readonly line: number;
  readonly message: string;
}

/**
 * Parse a whole `authorized_keys` text: blank lines and `#` comments are skipped; each other line
 * yields a key or an error with its line number (a bad line never hides the good ones).
 */
export function parseAuthorizedKeys(text: string): {
  readonly keys: readonly AuthorizedKey[];
  readonly errors: readonly AuthorizedKeysLineError[];
} {
  const keys: AuthorizedKey[] = [];
  const errors: AuthorizedKeysLineError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    try {
      keys.push(parseAuthorizedKeyLine(raw));
    } catch (err) {
      if (!(err instanceof AuthorizedKeyError)) throw err;
      errors.push({ line: i + 1, message: err.message });
    }
  });
  return { keys, errors };
}
