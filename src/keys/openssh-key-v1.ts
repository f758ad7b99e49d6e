import { randomBytes } from 'node:crypto';
import { bcryptPbkdf } from '../crypto/bcrypt-pbkdf.js';
import { DecodeError, defineStruct, t, WireReader, WireWriter } from '../wire/index.js';
import { KeyFormatError, PassphraseRequiredError, WrongPassphraseError } from './errors.js';
import { decryptSection, encryptSection, keyFileCipher, type KeyFileCipher } from './key-file-ciphers.js';
import { decodeStrictBase64 } from './public-key-line.js';
import { parsePublicKeyBlob } from './public-key.js';
import { readPrivateFields, writePrivateFields } from './private-key-fields.js';
import type { PrivateKey, PublicKey } from './types.js';

// The openssh-key-v1 private key format (OpenSSH PROTOCOL.key):
//   "openssh-key-v1\0", string ciphername, string kdfname, string kdfoptions, uint32 N,
//   N × string publickey, string encrypted private section [, GCM tag]
// Private section: uint32 checkint ×2, N × (string type, private fields, string comment), padding 1,2,3…

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';

/** The header fields before the public keys. */
const Header = defineStruct('openssh-key-v1 header', {
  cipherName: t.text,
  kdfName: t.text,
  kdfOptions: t.bytes,
  keyCount: t.u32,
});
/** `kdfoptions` for `bcrypt`: salt and rounds. */
const BcryptOptions = defineStruct('bcrypt kdf options', { salt: t.bytes, rounds: t.u32 });

/** Most bcrypt_pbkdf rounds we accept in a file (`ssh-keygen -a`; 16 by default, 100 is common). */
export const MAX_KDF_ROUNDS = 1 << 14;
/** Rounds we write unless told otherwise (as `ssh-keygen`). */
export const DEFAULT_KDF_ROUNDS = 16;

/** True if `text` looks like an `openssh-key-v1` file (has its BEGIN line). */
export function isOpenSshPrivateKey(text: string): boolean {
  return text.includes(BEGIN);
}

/** Strips the armor and decodes the base64 body, or throws {@link KeyFormatError}. */
function unarmor(text: string): Buffer {
  const start = text.indexOf(BEGIN);
  if (start === -1) throw new KeyFormatError('not an OpenSSH private key (no BEGIN line)');
  const end = text.indexOf(END, start);
  if (end === -1) throw new KeyFormatError('truncated OpenSSH private key (no END line)');
  const body = text.slice(start + BEGIN.length, end).replace(/\s+/g, '');
  const raw = decodeStrictBase64(body, 'the private key body');
  if (raw.length < MAGIC.length || !raw.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new KeyFormatError('not an openssh-key-v1 private key (bad magic)');
  }
  return raw;
}

/** What can be read from an OpenSSH private key file without its passphrase. */
export interface OpenSshKeyInfo {
  readonly cipherName: string;
  readonly kdfName: string;
  readonly encrypted: boolean;
  /** The public key stored in clear in the file (without a comment: that is encrypted). */
  readonly publicKey: PublicKey;
}

interface Container extends OpenSshKeyInfo {
  readonly cipher: KeyFileCipher;
  readonly salt: Uint8Array;
  readonly rounds: number;
  readonly section: Uint8Array;
  readonly tag: Uint8Array | undefined;
}

function readContainer(text: string): Container {
  const raw = unarmor(text);
  try {
    const r = new WireReader(raw, MAGIC.length, 1 << 20);
    const h = Header.readFrom(r);
    if (h.keyCount !== 1)
      throw new KeyFormatError(`files with ${h.keyCount} keys are not supported (expected 1)`);
    const cipher = keyFileCipher(h.cipherName);
    let salt: Uint8Array = new Uint8Array(0);
    let rounds = 0;
    if (cipher.name === 'none') {
      if (h.kdfName !== 'none' || h.kdfOptions.length !== 0)
        throw new KeyFormatError('corrupt key: kdf without cipher');
    } else {
      if (h.kdfName !== 'bcrypt')
        throw new KeyFormatError(`unsupported private key KDF "${h.kdfName.slice(0, 40)}"`);
      ({ salt, rounds } = BcryptOptions.decode(h.kdfOptions));
      if (salt.length === 0 || rounds < 1 || rounds > MAX_KDF_ROUNDS) {
        throw new KeyFormatError(`unsupported bcrypt parameters (rounds ${rounds})`);
      }
    }
    const publicKey = parsePublicKeyBlob(r.bytes());
    const section = r.bytes();
    const tag = cipher.tagLength > 0 ? r.fixed(cipher.tagLength) : undefined;
    r.end();
    if (section.length < 8 || section.length % cipher.blockSize !== 0) {
      throw new KeyFormatError('corrupt private key: bad private section length');
    }
    return {
      cipherName: cipher.name,
      kdfName: h.kdfName,
      encrypted: cipher.name !== 'none',
      publicKey,
      cipher,
      salt,
      rounds,
      section,
      tag,
    };
  } catch (cause) {
    if (cause instanceof DecodeError)
      throw new KeyFormatError(`corrupt or truncated private key (${cause.message})`, { cause });
    throw cause;
  }
}

/** Reads the clear parts of an OpenSSH private key file (cipher, public key) without decrypting it. */
export function inspectOpenSshPrivateKey(text: string): OpenSshKeyInfo {
  const { cipherName, kdfName, encrypted, publicKey } = readContainer(text);
  return { cipherName, kdfName, encrypted, publicKey };
}

/**
 * Decodes an `openssh-key-v1` private key, decrypting it with `passphrase` when it is encrypted.
 * Throws {@link PassphraseRequiredError} if one is needed and missing, {@link WrongPassphraseError}
 * if it does not fit, and {@link KeyFormatError} for anything truncated, corrupt or inconsistent.
 */
export function parseOpenSshPrivateKey(text: string, passphrase?: string | Uint8Array): PrivateKey {
  const c = readContainer(text);
  let plain: Buffer;
  if (c.encrypted) {
    const pass = typeof passphrase === 'string' ? Buffer.from(passphrase, 'utf8') : passphrase;
    if (pass === undefined || pass.length === 0) throw new PassphraseRequiredError();
    const keyIv = bcryptPbkdf(pass, c.salt, c.rounds, c.cipher.keyLength + c.cipher.ivLength);
    plain = decryptSection(c.cipher, keyIv, c.section, c.tag);
  } else {
    plain = Buffer.from(c.section);
  }
  try {
    const r = new WireReader(plain, 0, 1 << 20);
    const check1 = r.u32();
    const check2 = r.u32();
    if (check1 !== check2) {
      if (c.encrypted) throw new WrongPassphraseError();
      throw new KeyFormatError('corrupt private key: check-ints differ');
    }
    const type = r.text(64);
    if (type !== c.publicKey.type)
      throw new KeyFormatError('corrupt private key: private and public key types differ');
    const { publicKey, keyObject } = readPrivateFields(r, type);
    const comment = r.textLenient(4096);
    if (!Buffer.from(publicKey.blob).equals(Buffer.from(c.publicKey.blob))) {
      throw new KeyFormatError(
        'corrupt private key: the private key does not match the public key in the file',
      );
    }
    const padding = r.rest();
    if (padding.length >= c.cipher.blockSize || padding.some((b, i) => b !== i + 1)) {
      throw new KeyFormatError('corrupt private key: bad padding');
    }
    return { type: publicKey.type, publicKey: { ...publicKey, comment }, keyObject, comment };
  } catch (cause) {
    if (cause instanceof DecodeError)
      throw new KeyFormatError(`corrupt private key (${cause.message})`, { cause });
    throw cause;
  }
}

/** Options for {@link encodeOpenSshPrivateKey}. */
export interface EncodeOpenSshOptions {
  /** Encrypts the key with bcrypt_pbkdf + `cipher` when non-empty. */
  readonly passphrase?: string | Uint8Array;
  /** OpenSSH cipher name; default `aes256-ctr` (as `ssh-keygen -N`). */
  readonly cipher?: string;
  /** bcrypt_pbkdf rounds; default 16 (as `ssh-keygen -a`). */
  readonly rounds?: number;
  /** Comment to store; default the key's own. */
  readonly comment?: string;
}

/**
 * Encodes a private key (Ed25519, ECDSA or RSA) as an `openssh-key-v1` file, the text
 * `ssh-keygen` writes: armor lines and base64 wrapped at 70 columns, ending in a newline.
 */
export function encodeOpenSshPrivateKey(key: PrivateKey, options: EncodeOpenSshOptions = {}): string {
  const pass =
    typeof options.passphrase === 'string' ? Buffer.from(options.passphrase, 'utf8') : options.passphrase;
  const encrypted = pass !== undefined && pass.length > 0;
  const cipher = keyFileCipher(encrypted ? (options.cipher ?? 'aes256-ctr') : 'none');
  if (encrypted && cipher.name === 'none')
    throw new RangeError('a passphrase needs a cipher other than none');
  const rounds = options.rounds ?? DEFAULT_KDF_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_KDF_ROUNDS)
    throw new RangeError('bad kdf rounds');

  const priv = new WireWriter({ initialSize: 4096 });
  const check = randomBytes(4).readUInt32BE(0);
  priv.u32(check).u32(check).text(key.type);
  writePrivateFields(priv, key.type, key.keyObject);
  priv.text(options.comment ?? key.comment);
  for (let i = 1; priv.length % cipher.blockSize !== 0; i++) priv.byte(i);

  const salt = encrypted ? randomBytes(16) : Buffer.alloc(0);
  const kdfOptions = encrypted ? BcryptOptions.encode({ salt, rounds }) : Buffer.alloc(0);
  const keyIv = encrypted
    ? bcryptPbkdf(pass, salt, rounds, cipher.keyLength + cipher.ivLength)
    : new Uint8Array(0);
  const sealed = encryptSection(cipher, keyIv, priv.finish());

  const w = new WireWriter({ initialSize: 8192 });
  w.raw(MAGIC);
  Header.writeTo(w, {
    cipherName: cipher.name,
    kdfName: encrypted ? 'bcrypt' : 'none',
    kdfOptions,
    keyCount: 1,
  });
  w.bytes(key.publicKey.blob).bytes(sealed.data);
  if (sealed.tag !== undefined) w.raw(sealed.tag);
  const b64 = w.finish().toString('base64');
  const lines = b64.match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}
