import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PasswordHashError } from './errors.js';

/**
 * Longest password we hash, in UTF-8 bytes. Longer ones are refused before any work is done, as
 * OpenSSH does (`MAX_PASSWORD_LEN` in auth-passwd.c; the CVE-2016-6515 DoS class).
 */
export const MAX_PASSWORD_BYTES = 1024;

/** scrypt cost parameters (RFC 7914 §2): N = 2^ln, block size r, parallelism p. */
export interface ScryptParams {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/**
 * Parameters for new hashes: N = 2^15, r = 8, p = 1 (32 MiB of memory). On this project's CI
 * machine one hash or verify costs about 70 ms, inside the 50–100 ms budget for an interactive login.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ ln: 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const HASH_BYTES = 32;

// Bounds applied to parameters read back from a stored hash, so an edited database row cannot make
// a single login allocate gigabytes or spin for minutes.
const MIN_LN = 10;
const MAX_LN = 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 256 * 1024 * 1024;

/** A parsed `$scrypt$ln=…,r=…,p=…$salt$hash` string. */
export interface ParsedPasswordHash {
  readonly algorithm: 'scrypt';
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const B64 = /^[A-Za-z0-9+/]+$/;

function b64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

function b64Decode(text: string, what: string): Buffer {
  if (!B64.test(text) || text.length % 4 === 1)
    throw new PasswordHashError(`password hash: bad base64 ${what}`);
  const bytes = Buffer.from(text, 'base64');
  if (b64Encode(bytes) !== text) throw new PasswordHashError(`password hash: non-canonical base64 ${what}`);
  return bytes;
}

function checkParams(params: ScryptParams): void {
  const { ln, r, p } = params;
  const ok =
    Number.isInteger(ln) &&
    Number.isInteger(r) &&
    Number.isInteger(p) &&
    ln >= MIN_LN &&
    ln <= MAX_LN &&
    r >= 1 &&
    r <= MAX_R &&
    p >= 1 &&
    p <= MAX_P &&
    128 * 2 ** ln * r <= MAX_MEMORY;
  if (!ok)
    throw new PasswordHashError(`password hash: scrypt parameters ln=${ln},r=${r},p=${p} out of range`);
}

/**
 * Parse a PHC-style scrypt hash string (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, unpadded base64 as
 * in the PHC string format). Throws {@link PasswordHashError} when it is malformed or its parameters
 * are out of the accepted range.
 */
export function parsePasswordHash(encoded: string): ParsedPasswordHash {
  const parts = encoded.split('$');
  if (parts.length !== 5 || parts[0] !== '')
    throw new PasswordHashError('password hash: not a $id$params$salt$hash string');
  const [, id, paramText, saltText, hashText] = parts as [string, string, string, string, string];
  if (id !== 'scrypt')
    throw new PasswordHashError(`password hash: unsupported algorithm "${id.slice(0, 20)}"`);
  const m = /^ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})$/.exec(paramText);
  if (m === null) throw new PasswordHashError('password hash: parameters must be ln=<n>,r=<n>,p=<n>');
  const params: ScryptParams = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  checkParams(params);
  const salt = b64Decode(saltText, 'salt');
  const hash = b64Decode(hashText, 'hash');
  if (salt.length < 8 || salt.length > 64)
    throw new PasswordHashError('password hash: salt must be 8–64 bytes');
  if (hash.length < 16 || hash.length > 64)
    throw new PasswordHashError('password hash: hash must be 16–64 bytes');
  return { algorithm: 'scrypt', params, salt, hash };
}

/** True when `encoded` parses as a hash string this module can verify. */
export function isPasswordHash(encoded: string): boolean {
  try {
    parsePasswordHash(encoded);
    return true;
  } catch {
    return false;
  }
}

function passwordBytes(password: string | Uint8Array): Buffer {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
}

function derive(password: Buffer, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  // node:crypto's callback scrypt runs on the libuv thread pool, off the event loop.
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Hash a password with scrypt (RFC 7914) off the event loop, returning a self-describing string
 * that carries its parameters. Throws {@link PasswordHashError} for a password over
 * {@link MAX_PASSWORD_BYTES} bytes, without hashing it.
 */
export async function hashPassword(
  password: string | Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  const bytes = passwordBytes(password);
  if (bytes.length > MAX_PASSWORD_BYTES) {
    throw new PasswordHashError(`password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(bytes, salt, HASH_BYTES, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64Encode(salt)}$${b64Encode(hash)}`;
}

/**
 * Check a password against a stored hash in constant time. A password over
 * {@link MAX_PASSWORD_BYTES} bytes is `false` without hashing (OpenSSH does the same). Throws
 * {@link PasswordHashError} when `encoded` is malformed; the auth layer treats that as a failure.
 */
export async function verifyPassword(password: string | Uint8Array, encoded: string): Promise<boolean> {
  const stored = parsePasswordHash(encoded);
  const bytes = passwordBytes(password);
  if (bytes.length > MAX_PASSWORD_BYTES) return false;
  const candidate = await derive(bytes, stored.salt, stored.hash.length, stored.params);
  return timingSafeEqual(candidate, stored.hash);
}

/**
 * Spend what a real {@link verifyPassword} spends and return `false`. The auth layer calls this for
 * an unknown user, or a user with no password, so timing does not reveal whether the account exists.
 * Pass the parameters your stored hashes use if they differ from {@link DEFAULT_SCRYPT_PARAMS}.
 */
export async function dummyVerify(
  password: string | Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<false> {
  const bytes = passwordBytes(password);
  if (bytes.length > MAX_PASSWORD_BYTES) return false;
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const candidate = await derive(bytes, salt, HASH_BYTES, params);
  timingSafeEqual(candidate, randomBytes(HASH_BYTES));
  return false;
}

/** True when `encoded` was made with parameters other than `params` (re-hash on next login). */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): boolean {
  const { params: p } = parsePasswordHash(encoded);
  return p.ln !== params.ln || p.r !== params.r || p.p !== params.p;
}
