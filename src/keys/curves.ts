import type { KeyType } from './types.js';

/** What we need to know about one NIST curve used by ECDSA keys (RFC 5656 §6.1, §10.1). */
export interface EcdsaCurve {
  /** Key type and signature algorithm name, e.g. `ecdsa-sha2-nistp256`. */
  readonly keyType: KeyType;
  /** Curve identifier inside the key blob, e.g. `nistp256` (RFC 5656 §3.1). */
  readonly curveId: string;
  /** JWK `crv` (RFC 7518 §6.2.1.1). */
  readonly jwkCurve: string;
  /** OpenSSL curve name, for node:crypto's ECDH and key generation. */
  readonly nodeCurve: string;
  /** Bytes of one field element (and of r and s in a signature). */
  readonly fieldBytes: number;
  /** Curve size in bits, as `ssh-keygen -l` prints it. */
  readonly bits: number;
  /** Hash used by the signature algorithm (RFC 5656 §6.2.1). */
  readonly hash: 'sha256' | 'sha384' | 'sha512';
}

/** The three curves OpenSSH supports, keyed by key type. */
export const ECDSA_CURVES: Readonly<Record<string, EcdsaCurve>> = {
  'ecdsa-sha2-nistp256': {
    keyType: 'ecdsa-sha2-nistp256',
    curveId: 'nistp256',
    jwkCurve: 'P-256',
    nodeCurve: 'prime256v1',
    fieldBytes: 32,
    bits: 256,
    hash: 'sha256',
  },
  'ecdsa-sha2-nistp384': {
    keyType: 'ecdsa-sha2-nistp384',
    curveId: 'nistp384',
    jwkCurve: 'P-384',
    nodeCurve: 'secp384r1',
    fieldBytes: 48,
    bits: 384,
    hash: 'sha384',
  },
  'ecdsa-sha2-nistp521': {
    keyType: 'ecdsa-sha2-nistp521',
    curveId: 'nistp521',
    jwkCurve: 'P-521',
    nodeCurve: 'secp521r1',
    fieldBytes: 66,
    bits: 521,
    hash: 'sha512',
  },
};

/** The curve for an ECDSA key type, or undefined for any other name. */
export function ecdsaCurveForType(type: string): EcdsaCurve | undefined {
  return Object.hasOwn(ECDSA_CURVES, type) ? ECDSA_CURVES[type] : undefined;
}

/** The curve for a JWK `crv` name, or undefined. */
export function ecdsaCurveForJwk(crv: string): EcdsaCurve | undefined {
  return Object.values(ECDSA_CURVES).find((c) => c.jwkCurve === crv);
}

/** The curve with this many bits (256, 384, 521), or undefined. */
export function ecdsaCurveForBits(bits: number): EcdsaCurve | undefined {
  return Object.values(ECDSA_CURVES).find((c) => c.bits === bits);
}
