import { createHash } from 'node:crypto';
import { Blowfish } from './blowfish.js';

/** bcrypt_pbkdf's magic plaintext, encrypted 64 times by each bcrypt_hash (OpenBSD bcrypt_pbkdf.c). */
const MAGIC = new TextEncoder().encode('OxychromaticBlowfishSwatDynamite');
/** bcrypt_hash output length in bytes (8 words). */
const HASH_BYTES = 32;
/** Longest output bcrypt_pbkdf defines: 32 blocks of 32 bytes. */
export const BCRYPT_PBKDF_MAX_KEY_BYTES = HASH_BYTES * HASH_BYTES;

const sha512 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * OpenBSD's bcrypt_hash: an EksBlowfish setup with the SHA-512 of the passphrase and of the salt,
 * 64 rounds of re-keying, then the magic text encrypted 64 times and read out as little-endian
 * words.
 */
function bcryptHash(sha2pass: Uint8Array, sha2salt: Uint8Array, out: Uint8Array): void {
  const bf = Blowfish.initialState();
  bf.expandState(sha2salt, sha2pass);
  for (let i = 0; i < 64; i++) {
    bf.expand0State(sha2salt);
    bf.expand0State(sha2pass);
  }
  const words = new Uint32Array(HASH_BYTES / 4);
  const view = new DataView(MAGIC.buffer, MAGIC.byteOffset, MAGIC.byteLength);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, false);
  for (let i = 0; i < 64; i++) bf.encryptWords(words);
  const outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < words.length; i++) outView.setUint32(i * 4, words[i]!, true);
}

/**
 * OpenBSD `bcrypt_pbkdf(3)`: the key derivation OpenSSH uses for encrypted `openssh-key-v1` private
 * keys (PROTOCOL.key, "kdfname bcrypt"). A PBKDF2-like construction over bcrypt_hash whose output
 * bytes are interleaved across blocks, so every output byte depends on every round.
 *
 * CPU-bound and synchronous: about a tenth of a second for OpenSSH's default 16 rounds.
 *
 * @param passphrase non-empty passphrase bytes (UTF-8 of what the user typed)
 * @param salt non-empty salt (OpenSSH uses 16 random bytes)
 * @param rounds at least 1 (OpenSSH's default is 16)
 * @param keyLength output bytes, 1 to 1024
 */
export function bcryptPbkdf(
  passphrase: Uint8Array,
  salt: Uint8Array,
  rounds: number,
  keyLength: number,
): Uint8Array {
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new RangeError('bcrypt_pbkdf: rounds must be at least 1');
  if (passphrase.length === 0) throw new RangeError('bcrypt_pbkdf: empty passphrase');
  if (salt.length === 0 || salt.length > 1 << 20) throw new RangeError('bcrypt_pbkdf: bad salt length');
  if (!Number.isInteger(keyLength) || keyLength < 1 || keyLength > BCRYPT_PBKDF_MAX_KEY_BYTES) {
    throw new RangeError(`bcrypt_pbkdf: key length must be 1 to ${BCRYPT_PBKDF_MAX_KEY_BYTES}`);
  }
  const key = new Uint8Array(keyLength);
  const stride = Math.ceil(keyLength / HASH_BYTES);
  const perBlock = Math.ceil(keyLength / stride);
  const sha2pass = sha512(passphrase);
  const countBytes = new Uint8Array(4);
  const tmp = new Uint8Array(HASH_BYTES);
  const out = new Uint8Array(HASH_BYTES);

  for (let block = 1, left = keyLength; left > 0; block++) {
    new DataView(countBytes.buffer).setUint32(0, block, false);
    let sha2salt = sha512(salt, countBytes);
    bcryptHash(sha2pass, sha2salt, tmp);
    out.set(tmp);
    for (let round = 1; round < rounds; round++) {
      sha2salt = sha512(tmp);
      bcryptHash(sha2pass, sha2salt, tmp);
      for (let j = 0; j < HASH_BYTES; j++) out[j] = out[j]! ^ tmp[j]!;
    }
    // Output byte i of this block lands at i * stride + (block - 1).
    const take = Math.min(perBlock, left);
    let i = 0;
    for (; i < take; i++) {
      const dest = i * stride + (block - 1);
      if (dest >= keyLength) break;
      key[dest] = out[i]!;
    }
    left -= i;
  }
  return key;
}
