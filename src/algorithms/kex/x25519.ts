import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { kexFailed } from './kex-errors.js';
import type { RandomSource } from './random.js';

/**
 * `x` of the private JWK we import. Node requires the member but derives the public key from `d`
 * (RFC 7748 §6.1); the public value we use is exported from the imported key, never this one.
 */
const JWK_PLACEHOLDER_X = 'A'.repeat(43);

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
  // JWK import and export cost a tenth of the DER round trip through OpenSSL's decoders.
  const privateKey = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'X25519',
      d: Buffer.from(rawPrivate).toString('base64url'),
      x: JWK_PLACEHOLDER_X,
    },
    format: 'jwk',
  });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x!;
  return { privateKey, publicKey: Buffer.from(x, 'base64url') };
}

/**
 * A fresh X25519 key pair from 32 random bytes (any 32 bytes are a valid scalar, RFC 7748 §5), or
 * from `random` when a caller supplies one (tests and fuzz targets that need reproducible keys).
 *
 * Not `generateKeyPairSync('x25519')`: on Node 20 a garbage collection that runs while a key is
 * exported can destroy the finished keygen job, whose destructor waits for the mutex the export
 * holds, and the whole process deadlocks (reproduced: a loop of generate + export hangs within a
 * few thousand iterations; under handshake load the server stopped answering anyone).
 */
export function x25519Generate(random?: RandomSource): X25519KeyPair {
  return x25519KeyPair(random ? random(X25519_LENGTH) : randomBytes(X25519_LENGTH));
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
      key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublic).toString('base64url') },
      format: 'jwk',
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
