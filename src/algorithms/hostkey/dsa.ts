import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { PrivateKey, PublicKey } from '../../keys/types.js';
import type { SignatureAlgorithm } from '../types.js';
import { encodeSignatureBlob, signatureFor } from './signature-blob.js';

/** Bytes of r and of s in an `ssh-dss` signature: DSA with a 160-bit subgroup (RFC 4253 §6.6). */
export const DSS_SIGNATURE_HALF = 20;

/** Bits of q that `ssh-dss` can carry: its 40-byte signature holds two 160-bit values. */
const DSS_Q_BITS = 160;
/** Smallest modulus we accept for a DSA key (FIPS 186-2's 1024 bits, all `ssh-keygen` ever made). */
const DSS_MIN_P_BITS = 1024;

/** True when `key` is a DSA key with a 160-bit q and at least a 1024-bit p, as `ssh-dss` needs. */
export function isSshDssKey(key: KeyObject): boolean {
  if (key.asymmetricKeyType !== 'dsa') return false;
  const details = key.asymmetricKeyDetails;
  return details?.divisorLength === DSS_Q_BITS && (details.modulusLength ?? 0) >= DSS_MIN_P_BITS;
}

/**
 * Signs `data` with DSA over SHA-1 and returns the 40-byte `r || s` of an `ssh-dss` signature
 * (RFC 4253 §6.6: each value unsigned, big-endian, left-padded to 160 bits).
 */
export function dssSignRaw(key: KeyObject, data: Uint8Array): Uint8Array {
  if (key.type !== 'private' || !isSshDssKey(key)) {
    throw new TypeError('ssh-dss signing needs a DSA private key with a 160-bit q');
  }
  const rs = cryptoSign('sha1', data, { key, dsaEncoding: 'ieee-p1363' });
  if (rs.length !== 2 * DSS_SIGNATURE_HALF)
    throw new Error(`DSA signature of ${rs.length} bytes, expected 40`);
  return rs;
}

/**
 * Verifies the 40-byte `r || s` of an `ssh-dss` signature over `data` (DSA with SHA-1). False for
 * any other length, a key that is not a 1024-bit-class DSA key, or a wrong signature.
 */
export function dssVerifyRaw(key: KeyObject, data: Uint8Array, rs: Uint8Array): boolean {
  if (rs.length !== 2 * DSS_SIGNATURE_HALF || !isSshDssKey(key)) return false;
  try {
    return cryptoVerify('sha1', data, { key, dsaEncoding: 'ieee-p1363' }, rs);
  } catch {
    return false;
  }
}

/**
 * `ssh-dss` (RFC 4253 §6.6): DSA with SHA-1 over `ssh-dss` keys, the signature blob being
 * `string "ssh-dss", string r || s` with exactly 40 bytes. Verification accepts user keys of
 * 1024 bits and up with a 160-bit q and never throws; signing serves an optional DSA host key.
 */
export const sshDss: SignatureAlgorithm = {
  name: 'ssh-dss',
  keyType: 'ssh-dss',
  sign(key: PrivateKey, data: Uint8Array): Uint8Array {
    if (key.type !== 'ssh-dss') throw new TypeError(`ssh-dss cannot sign with a ${key.type} key`);
    return encodeSignatureBlob('ssh-dss', dssSignRaw(key.keyObject, data));
  },
  verify(key: PublicKey, data: Uint8Array, signatureBlob: Uint8Array): boolean {
    if (key.type !== 'ssh-dss') return false;
    const rs = signatureFor('ssh-dss', signatureBlob);
    return rs !== undefined && dssVerifyRaw(key.keyObject, data, rs);
  },
};
