import { KeyFormatError } from './errors.js';
import { isKeyType, parsePublicKeyBlob } from './public-key.js';
import type { PublicKey } from './types.js';

/** Longest base64 key we accept on a line (a 16384-bit RSA key is about 2.8 KB of base64). */
const MAX_BASE64 = 16 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes strict base64 (no stray characters, correct padding) or throws {@link KeyFormatError}. */
export function decodeStrictBase64(text: string, what: string): Buffer {
  if (text.length === 0 || text.length > MAX_BASE64 || text.length % 4 !== 0 || !BASE64.test(text)) {
    throw new KeyFormatError(`${what} is not valid base64`);
  }
  return Buffer.from(text, 'base64');
}

/**
 * Parses an OpenSSH public key line, `<type> <base64 blob> [comment]` (the format of `.pub` files
 * and of authorized_keys lines without options, sshd(8) "AUTHORIZED_KEYS FILE FORMAT"). The type
 * named on the line must match the one inside the blob. Leading/trailing whitespace is ignored;
 * the comment is the rest of the line.
 */
export function parsePublicKeyLine(line: string): PublicKey {
  const trimmed = line.trim();
  const m = /^(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(trimmed);
  if (m === null) {
    throw new KeyFormatError('expected a public key line "<type> <base64> [comment]"');
  }
  const [, type, b64, rest] = m as unknown as [string, string, string, string | undefined];
  if (!isKeyType(type)) {
    throw new KeyFormatError(`unsupported key type "${type.slice(0, 40)}"`);
  }
  const blob = decodeStrictBase64(b64, 'the key');
  const comment = rest?.trim();
  const key = parsePublicKeyBlob(blob, comment === undefined || comment === '' ? undefined : comment);
  if (key.type !== type) {
    throw new KeyFormatError(`the line says ${type} but the key inside is ${key.type}`);
  }
  return key;
}

/** The first line of a key file's text that is neither blank nor a `#` comment. */
export function firstKeyLine(text: string): string | undefined {
  return text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

/**
 * Parses the first key line of a `.pub` file's text (blank lines and `#` comments are skipped).
 */
export function parsePublicKeyFile(text: string): PublicKey {
  const line = firstKeyLine(text);
  if (line === undefined) throw new KeyFormatError('no public key in the file');
  return parsePublicKeyLine(line);
}

/** Formats a public key as an OpenSSH line: `<type> <base64> [comment]` (no newline). */
export function formatPublicKeyLine(key: PublicKey, comment: string | undefined = key.comment): string {
  const base = `${key.type} ${Buffer.from(key.blob).toString('base64')}`;
  const c = comment?.replace(/[\r\n]+/g, ' ').trim();
  return c === undefined || c === '' ? base : `${base} ${c}`;
}

/**
 * Parses every key line of a text, as sshd reads a `TrustedUserCAKeys` file: one OpenSSH public
 * key line each, blank lines and `#` comments skipped. A bad line throws {@link KeyFormatError}
 * naming its number.
 */
export function parsePublicKeyList(text: string): PublicKey[] {
  if (text.trimStart().startsWith('-----BEGIN'))
    throw new KeyFormatError('a PEM or private key file, not public key lines (give the .pub file)');
  const keys: PublicKey[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    try {
      keys.push(parsePublicKeyLine(line));
    } catch (err) {
      if (err instanceof KeyFormatError)
        throw new KeyFormatError(`line ${i + 1}: ${err.message}`, { cause: err });
      throw err;
    }
  });
  return keys;
}
