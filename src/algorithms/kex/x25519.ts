import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { kexFailed } from './kex-errors.js';
import type { RandomSource } from './random.js';

/** DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410 §4) before the 32 raw bytes. */
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
/** DER prefix of an X25519 PKCS #8 private key (RFC 8410 §7) before the 32 raw bytes. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** Bytes of an X25519 key or shared secret (RFC 7748 §5). */
export const X25519_LENGTH = 32;

/** An X25519 private key held by node:crypto, with its raw public key. */
export interface X25519KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

/** Imports a raw 32-byte X25519 private scalar (RFC 7748 §5) and derives its public key. */
export function x25519KeyPair(rawPrivate: Uint8Array): X25519KeyPair {
  if (rawPrivate.length !== X25519_LENGTH) throw new RangeError('an X25519 private key is 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, rawPrivate]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: spki.subarray(SPKI_PREFIX.length) };
}

/**
 * A fresh X25519 key pair: from node:crypto's generator, or from `random` when a caller supplies
 * one (tests and fuzz targets that need reproducible keys).
 */
export function x25519Generate(random?: RandomSource): X25519KeyPair {
  if (random) return x25519KeyPair(random(X25519_LENGTH));
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  // JWK export and import are much cheaper than DER through OpenSSL's decoders.
  return { privateKey, publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url') };
}

/**
 * X25519(k, u) for a peer's raw public value (RFC 7748 §5). Throws KEY_EXCHANGE_FAILED for a value
 * that is not 32 bytes or that yields the all-zero shared secret (RFC 7748 §6.1, RFC 8731 §3).
 */
export function x25519SharedSecret(own: X25519KeyPair, peerPublic: Uint8Array, what: string): Buffer {
  if (peerPublic.length !== X25519_LENGTH) {
    throw kexFailed(`${what}: X25519 public value of ${peerPublic.length} bytes, expected 32`);
  }
  let secret: Buffer;
  try {
    const publicKey = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, peerPublic]),
      format: 'der',
      type: 'spki',
    });
    secret = diffieHellman({ privateKey: own.privateKey, publicKey });
  } catch (cause) {
    // OpenSSL refuses a derivation whose result is all zero (a low-order point).
    throw kexFailed(`${what}: invalid X25519 public value`, cause);
  }
  let acc = 0;
  for (const b of secret) acc |= b;
  if (acc === 0) throw kexFailed(`${what}: X25519 shared secret is zero`);
  return secret;
}
