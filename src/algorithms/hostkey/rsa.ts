import { constants, sign, verify } from 'node:crypto';
import { MIN_RSA_BITS } from '../../keys/public-key.js';
import type { PrivateKey, PublicKey } from '../../keys/types.js';
import type { SignatureAlgorithm } from '../types.js';
import { encodeSignatureBlob, signatureFor } from './signature-blob.js';

/**
 * An RSASSA-PKCS1-v1_5 signature algorithm over `ssh-rsa` keys: `rsa-sha2-512` and `rsa-sha2-256`
 * (RFC 8332 §3), or, for legacy use, `ssh-rsa` with SHA-1 (RFC 4253 §6.6). The blob's name must be
 * exactly `name`: an `ssh-rsa` signature never passes as `rsa-sha2-*`. Keys under `minBits`
 * (default 1024, as OpenSSH) are refused for verification.
 */
export function rsaSignatureAlgorithm(
  name: string,
  hash: 'sha1' | 'sha256' | 'sha512',
  options: { minBits?: number } = {},
): SignatureAlgorithm {
  const minBits = options.minBits ?? MIN_RSA_BITS;
  return {
    name,
    keyType: 'ssh-rsa',
    sign(key: PrivateKey, data: Uint8Array): Uint8Array {
      if (key.type !== 'ssh-rsa') throw new TypeError(`${name} cannot sign with a ${key.type} key`);
      const sig = sign(hash, data, { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING });
      return encodeSignatureBlob(name, sig);
    },
    verify(key: PublicKey, data: Uint8Array, signatureBlob: Uint8Array): boolean {
      try {
        if (key.type !== 'ssh-rsa' || key.keyObject.asymmetricKeyType !== 'rsa') return false;
        const bits = key.keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
        if (bits < minBits) return false;
        const sig = signatureFor(name, signatureBlob);
        if (sig === undefined || sig.length === 0) return false;
        // OpenSSH accepts a signature shorter than the modulus and left-pads it; longer is invalid.
        const modBytes = Math.ceil(bits / 8);
        if (sig.length > modBytes) return false;
        const padded =
          sig.length < modBytes ? Buffer.concat([Buffer.alloc(modBytes - sig.length), sig]) : sig;
        return verify(hash, data, { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, padded);
      } catch {
        return false;
      }
    },
  };
}

/** `rsa-sha2-512` (RFC 8332). */
export const rsaSha2512 = rsaSignatureAlgorithm('rsa-sha2-512', 'sha512');
/** `rsa-sha2-256` (RFC 8332). */
export const rsaSha2256 = rsaSignatureAlgorithm('rsa-sha2-256', 'sha256');
