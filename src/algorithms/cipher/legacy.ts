import { Blowfish } from '../../crypto/blowfish.js';
import { Cast128 } from '../../crypto/cast128.js';
import { Serpent } from '../../crypto/serpent.js';
import type { AlgorithmEntry, CipherAlgorithm } from '../types.js';
import { defineCbcCipher } from './cbc.js';
import { defineOpenSslCbcCipher } from './cbc-openssl.js';

/** aes128-cbc (RFC 4253 §6.3), by OpenSSL. */
export const aes128Cbc = defineOpenSslCbcCipher({
  name: 'aes128-cbc',
  opensslName: 'aes-128-cbc',
  keyLength: 16,
  blockSize: 16,
});

/** aes192-cbc (RFC 4253 §6.3), by OpenSSL. */
export const aes192Cbc = defineOpenSslCbcCipher({
  name: 'aes192-cbc',
  opensslName: 'aes-192-cbc',
  keyLength: 24,
  blockSize: 16,
});

/** aes256-cbc (RFC 4253 §6.3), by OpenSSL. */
export const aes256Cbc = defineOpenSslCbcCipher({
  name: 'aes256-cbc',
  opensslName: 'aes-256-cbc',
  keyLength: 32,
  blockSize: 16,
});

/**
 * 3des-cbc (RFC 4253 §6.3): three-key triple DES, encrypt-decrypt-encrypt with the three 8-byte
 * thirds of the 24-byte key, in outer CBC mode; OpenSSL's `des-ede3-cbc` (default provider).
 */
export const tripleDesCbc = defineOpenSslCbcCipher({
  name: '3des-cbc',
  opensslName: 'des-ede3-cbc',
  keyLength: 24,
  blockSize: 8,
});

/** blowfish-cbc (RFC 4253 §6.3): Blowfish with a 128-bit key, our TypeScript core. */
export const blowfishCbc = defineCbcCipher({
  name: 'blowfish-cbc',
  keyLength: 16,
  blockSize: 8,
  createCipher: (key) => Blowfish.withKey(key),
});

/** cast128-cbc (RFC 4253 §6.3): CAST-128 (RFC 2144) with a 128-bit key. */
export const cast128Cbc = defineCbcCipher({
  name: 'cast128-cbc',
  keyLength: 16,
  blockSize: 8,
  createCipher: (key) => new Cast128(key),
});

/** serpent256-cbc (RFC 4253 §6.3): Serpent with a 256-bit key. */
export const serpent256Cbc = defineCbcCipher({
  name: 'serpent256-cbc',
  keyLength: 32,
  blockSize: 16,
  createCipher: (key) => new Serpent(key),
});

/** The seed's CBC ciphers, opt-in (issue 8), in preference order. */
export const legacyCipherAlgorithms: readonly AlgorithmEntry<CipherAlgorithm>[] = [
  aes128Cbc,
  aes192Cbc,
  aes256Cbc,
  tripleDesCbc,
  blowfishCbc,
  cast128Cbc,
  serpent256Cbc,
].map((algorithm) => ({ algorithm, status: 'legacy' as const }));
