import {
  SNTRUP761_CIPHERTEXT_BYTES,
  SNTRUP761_PUBLIC_KEY_BYTES,
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keygen,
} from '../../crypto/sntrup761/index.js';
import type { AlgorithmEntry, KexAlgorithm } from '../types.js';
import { createHybridKemKex, type Kem } from './hybrid-kem.js';
import type { RandomSource } from './random.js';

/**
 * Streamlined NTRU Prime sntrup761 (our implementation, src/crypto/sntrup761) as a {@link Kem}:
 * 1158-byte public keys, 1039-byte ciphertexts, 32-byte shared secrets. Decapsulation of a bad
 * ciphertext yields the implicit-rejection key; it never throws for the right lengths. `random`
 * replaces the system CSPRNG (tests only); the KEM reads it 4 bytes per coefficient word.
 */
export function createSntrup761Kem(random?: RandomSource): Kem {
  return {
    publicKeyLength: SNTRUP761_PUBLIC_KEY_BYTES,
    ciphertextLength: SNTRUP761_CIPHERTEXT_BYTES,
    keygen: () => sntrup761Keygen(random),
    encapsulate: (publicKey) => sntrup761Encapsulate(publicKey, random),
    decapsulate: (ciphertext, secretKey) => sntrup761Decapsulate(ciphertext, secretKey),
  };
}

/** The two wire names of the method: IANA's and OpenSSH's original one. */
export type Sntrup761X25519Name = 'sntrup761x25519-sha512' | 'sntrup761x25519-sha512@openssh.com';

/** Options of {@link createSntrup761X25519Kex}. */
export interface Sntrup761KexOptions {
  /** Source of every random byte the method uses (default: node:crypto). */
  readonly random?: RandomSource;
}

/**
 * sntrup761x25519-sha512 (RFC 9941; OpenSSH kexsntrup761x25519.c): the client
 * sends its sntrup761 public key followed by its X25519 key; the server answers with the sntrup761
 * ciphertext followed by its X25519 key; K = SHA-512(KEM key || X25519 secret) as an SSH string,
 * and SHA-512 is the exchange hash. Messages 30/31 as ECDH. A client value of the wrong length is
 * KEY_EXCHANGE_FAILED.
 */
export function createSntrup761X25519Kex(
  name: Sntrup761X25519Name,
  options: Sntrup761KexOptions = {},
): KexAlgorithm {
  return createHybridKemKex({
    name,
    hash: 'sha512',
    kem: createSntrup761Kem(options.random),
    random: options.random,
  });
}

/** `sntrup761x25519-sha512` (the IANA name; OpenSSH 9.9+ offers it). */
export const sntrup761X25519Sha512 = createSntrup761X25519Kex('sntrup761x25519-sha512');

/** `sntrup761x25519-sha512@openssh.com` (OpenSSH 8.5+; the default of OpenSSH 9.0-9.8). */
export const sntrup761X25519Sha512OpenSsh = createSntrup761X25519Kex('sntrup761x25519-sha512@openssh.com');

/** sntrup761x25519 hybrids (issue 10), in preference order. */
export const sntrupKexAlgorithms: readonly AlgorithmEntry<KexAlgorithm>[] = [
  { algorithm: sntrup761X25519Sha512, status: 'default' },
  { algorithm: sntrup761X25519Sha512OpenSsh, status: 'default' },
];
