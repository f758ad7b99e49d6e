import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { KexAlgorithm } from '../types.js';
import { createHybridKemKex, type Kem } from './hybrid-kem.js';
import { secureRandom, type RandomSource } from './random.js';

/** The ML-KEM modulus q (FIPS 203 §2.4). */
const Q = 3329;

/**
 * FIPS 203 §7.2 input check of an encapsulation key: every 12-bit coefficient of the encoded
 * vector t (the first 384·k bytes) must be below q. `@noble/post-quantum` 0.5 compares
 * ByteEncode(ByteDecode(ek)) with ek without reducing mod q, so it never refuses; we check here.
 */
export function mlKemKeyIsReduced(publicKey: Uint8Array, k: number): boolean {
  const end = 384 * k;
  for (let i = 0; i < end; i += 3) {
    const b1 = publicKey[i + 1]!;
    if ((publicKey[i]! | ((b1 & 0x0f) << 8)) >= Q) return false;
    if (((b1 >> 4) | (publicKey[i + 2]! << 4)) >= Q) return false;
  }
  return true;
}

/**
 * ML-KEM-768 (FIPS 203) from `@noble/post-quantum`: 1184-byte encapsulation keys, 1088-byte
 * ciphertexts, 32-byte shared secrets. Encapsulation refuses a key that fails the FIPS 203 §7.2
 * modulus check; decapsulation of a bad ciphertext yields the implicit-rejection secret.
 */
export function createMlKem768(random: RandomSource = secureRandom): Kem {
  return {
    publicKeyLength: 1184,
    ciphertextLength: 1088,
    keygen: () => ml_kem768.keygen(random(64)),
    encapsulate: (publicKey) => {
      if (publicKey.length !== 1184 || !mlKemKeyIsReduced(publicKey, 3)) {
        throw new RangeError('ML-KEM-768 encapsulation key fails the FIPS 203 modulus check');
      }
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, random(32));
      return { ciphertext: cipherText, sharedSecret };
    },
    decapsulate: (ciphertext, secretKey) => ml_kem768.decapsulate(ciphertext, secretKey),
  };
}

/** Options of {@link createMlKem768X25519Kex}. */
export interface MlKemKexOptions {
  /** Source of every random byte the method uses (default: node:crypto). */
  readonly random?: RandomSource;
}

/** `mlkem768x25519-sha256` (draft-ietf-sshm-mlkem-hybrid-kex, OpenSSH 9.9+). */
export function createMlKem768X25519Kex(options: MlKemKexOptions = {}): KexAlgorithm {
  return createHybridKemKex({
    name: 'mlkem768x25519-sha256',
    hash: 'sha256',
    kem: createMlKem768(options.random),
    random: options.random,
  });
}

/** mlkem768x25519-sha256 with node:crypto randomness. */
export const mlKem768X25519Sha256 = createMlKem768X25519Kex();
