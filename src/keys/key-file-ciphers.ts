import { createCipheriv, createDecipheriv } from 'node:crypto';
import { KeyFormatError, WrongPassphraseError } from './errors.js';

/**
 * A cipher that can protect the private section of an `openssh-key-v1` file (OpenSSH
 * PROTOCOL.key). `ssh-keygen -N` uses aes256-ctr; `-Z` picks another.
 */
export interface KeyFileCipher {
  /** OpenSSH cipher name, e.g. `aes256-ctr`. */
  readonly name: string;
  readonly keyLength: number;
  readonly ivLength: number;
  /** The private section is padded to a multiple of this. */
  readonly blockSize: number;
  /** Bytes of authentication tag after the encrypted section (GCM), else 0. */
  readonly tagLength: number;
  /** node:crypto cipher name, undefined for `none`. */
  readonly nodeName: string | undefined;
}

const aes = (bits: 128 | 192 | 256, mode: 'ctr' | 'cbc'): KeyFileCipher => ({
  name: `aes${bits}-${mode}`,
  keyLength: bits / 8,
  ivLength: 16,
  blockSize: 16,
  tagLength: 0,
  nodeName: `aes-${bits}-${mode}`,
});

const gcm = (bits: 128 | 256): KeyFileCipher => ({
  name: `aes${bits}-gcm@openssh.com`,
  keyLength: bits / 8,
  ivLength: 12,
  blockSize: 16,
  tagLength: 16,
  nodeName: `aes-${bits}-gcm`,
});

/** Every cipher we read private key files with (OpenSSH's `ssh-keygen -Z` choices but chacha20-poly1305). */
export const KEY_FILE_CIPHERS: readonly KeyFileCipher[] = [
  { name: 'none', keyLength: 0, ivLength: 0, blockSize: 8, tagLength: 0, nodeName: undefined },
  aes(128, 'ctr'),
  aes(192, 'ctr'),
  aes(256, 'ctr'),
  aes(128, 'cbc'),
  aes(192, 'cbc'),
  aes(256, 'cbc'),
  gcm(128),
  gcm(256),
];

/** Looks a cipher up by its OpenSSH name, or throws {@link KeyFormatError}. */
export function keyFileCipher(name: string): KeyFileCipher {
  const c = KEY_FILE_CIPHERS.find((x) => x.name === name);
  if (c === undefined) throw new KeyFormatError(`unsupported private key cipher "${name.slice(0, 40)}"`);
  return c;
}

/**
 * Decrypts the private section. A GCM tag that does not verify means the passphrase was wrong
 * ({@link WrongPassphraseError}); CTR and CBC cannot tell, so the caller checks the check-ints.
 */
export function decryptSection(
  c: KeyFileCipher,
  keyIv: Uint8Array,
  data: Uint8Array,
  tag: Uint8Array | undefined,
): Buffer {
  if (c.nodeName === undefined) return Buffer.from(data);
  const key = keyIv.subarray(0, c.keyLength);
  const iv = keyIv.subarray(c.keyLength, c.keyLength + c.ivLength);
  if (c.tagLength > 0) {
    const d = createDecipheriv(c.nodeName as 'aes-256-gcm', key, iv, { authTagLength: c.tagLength });
    d.setAuthTag(tag!);
    const out = d.update(data);
    try {
      return Buffer.concat([out, d.final()]);
    } catch (cause) {
      throw new WrongPassphraseError(undefined, { cause });
    }
  }
  const d = createDecipheriv(c.nodeName, key, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

/** Encrypts the (already padded) private section; returns the ciphertext and, for GCM, the tag. */
export function encryptSection(
  c: KeyFileCipher,
  keyIv: Uint8Array,
  data: Uint8Array,
): { data: Buffer; tag: Buffer | undefined } {
  if (c.nodeName === undefined) return { data: Buffer.from(data), tag: undefined };
  const key = keyIv.subarray(0, c.keyLength);
  const iv = keyIv.subarray(c.keyLength, c.keyLength + c.ivLength);
  if (c.tagLength > 0) {
    const e = createCipheriv(c.nodeName as 'aes-256-gcm', key, iv, { authTagLength: c.tagLength });
    const out = Buffer.concat([e.update(data), e.final()]);
    return { data: out, tag: e.getAuthTag() };
  }
  const e = createCipheriv(c.nodeName, key, iv);
  e.setAutoPadding(false);
  return { data: Buffer.concat([e.update(data), e.final()]), tag: undefined };
}
