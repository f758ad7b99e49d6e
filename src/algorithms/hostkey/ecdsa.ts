import { sign, verify } from 'node:crypto';
import { ECDSA_CURVES, type EcdsaCurve } from '../../keys/curves.js';
import type { PrivateKey, PublicKey } from '../../keys/types.js';
import { defineStruct, t } from '../../wire/index.js';
import type { SignatureAlgorithm } from '../types.js';
import { encodeSignatureBlob, signatureFor } from './signature-blob.js';

/** The ECDSA signature inside the blob: mpint r, mpint s (RFC 5656 §3.1.2). */
export const EcdsaSignature = defineStruct('ecdsa signature', { r: t.mpintBytes, s: t.mpintBytes });

/** Left-pads a magnitude to `n` bytes; undefined if it is empty, zero or longer than `n`. */
export function fixedMagnitude(m: Uint8Array, n: number): Buffer | undefined {
  if (m.length === 0 || m.length > n) return undefined;
  return Buffer.concat([Buffer.alloc(n - m.length), m]);
}

/**
 * `ecdsa-sha2-<curve>` (RFC 5656 §3.1.2, §6.2.1): ECDSA with SHA-256/384/512 on P-256/384/521.
 * node:crypto's IEEE P1363 form (r || s) is converted to and from the SSH mpint pair.
 */
export function ecdsaSignatureAlgorithm(curve: EcdsaCurve): SignatureAlgorithm {
  const name = curve.keyType;
  return {
    name,
    keyType: name,
    sign(key: PrivateKey, data: Uint8Array): Uint8Array {
      if (key.type !== name) throw new TypeError(`${name} cannot sign with a ${key.type} key`);
      const rs = sign(curve.hash, data, { key: key.keyObject, dsaEncoding: 'ieee-p1363' });
      const inner = EcdsaSignature.encode({
        r: rs.subarray(0, curve.fieldBytes),
        s: rs.subarray(curve.fieldBytes),
      });
      return encodeSignatureBlob(name, inner);
    },
    verify(key: PublicKey, data: Uint8Array, signatureBlob: Uint8Array): boolean {
      try {
        if (key.type !== name || key.keyObject.asymmetricKeyType !== 'ec') return false;
        if (key.keyObject.asymmetricKeyDetails?.namedCurve !== curve.nodeCurve) return false;
        const sig = signatureFor(name, signatureBlob);
        if (sig === undefined) return false;
        const { r, s } = EcdsaSignature.decode(sig);
        const rf = fixedMagnitude(r, curve.fieldBytes);
        const sf = fixedMagnitude(s, curve.fieldBytes);
        if (rf === undefined || sf === undefined) return false;
        return verify(
          curve.hash,
          data,
          { key: key.keyObject, dsaEncoding: 'ieee-p1363' },
          Buffer.concat([rf, sf]),
        );
      } catch {
        return false;
      }
    },
  };
}

/** `ecdsa-sha2-nistp256`. */
export const ecdsaSha2Nistp256 = ecdsaSignatureAlgorithm(ECDSA_CURVES['ecdsa-sha2-nistp256']!);
/** `ecdsa-sha2-nistp384`. */
export const ecdsaSha2Nistp384 = ecdsaSignatureAlgorithm(ECDSA_CURVES['ecdsa-sha2-nistp384']!);
/** `ecdsa-sha2-nistp521`. */
export const ecdsaSha2Nistp521 = ecdsaSignatureAlgorithm(ECDSA_CURVES['ecdsa-sha2-nistp521']!);
