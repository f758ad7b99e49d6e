import { createHash, verify } from 'node:crypto';
import { ECDSA_CURVES } from '../../keys/curves.js';
import type { PublicKey, SecurityKeyType } from '../../keys/types.js';
import { defineStruct, t } from '../../wire/index.js';
import type { SecurityKeySignature, SignatureAlgorithm } from '../types.js';
import { EcdsaSignature, fixedMagnitude } from './ecdsa.js';

/** A security key's signature blob (PROTOCOL.u2f): the signature, then the authenticator's flags and counter. */
const SecurityKeySignatureBlob = defineStruct('security key signature', {
  algorithm: t.text,
  signature: t.bytes,
  flags: t.byte,
  counter: t.u32,
});

/**
 * What the authenticator signed (PROTOCOL.u2f "Signature encoding"): SHA-256 of the application,
 * the flags, the counter, and SHA-256 of the message.
 */
function signedBytes(application: string, flags: number, counter: number, message: Uint8Array): Buffer {
  const head = Buffer.alloc(37);
  createHash('sha256').update(application).digest().copy(head, 0);
  head[32] = flags;
  head.writeUInt32BE(counter, 33);
  return Buffer.concat([head, createHash('sha256').update(message).digest()]);
}

/** The blob decoded when it names `name` and has nothing after the counter; otherwise undefined. */
function decodeFor(name: string, blob: Uint8Array) {
  try {
    const s = SecurityKeySignatureBlob.decode(blob);
    return s.algorithm === name ? s : undefined;
  } catch {
    return undefined;
  }
}

function securityKeyAlgorithm(
  name: SecurityKeyType,
  check: (key: PublicKey, signed: Buffer, signature: Uint8Array) => boolean,
): SignatureAlgorithm {
  return {
    name,
    keyType: name,
    sign() {
      throw new TypeError(`${name} signatures are made by the authenticator, never by a server`);
    },
    verify(key, data, signatureBlob) {
      if (key.type !== name || key.application === undefined) return false;
      const s = decodeFor(name, signatureBlob);
      if (s === undefined) return false;
      try {
        return check(key, signedBytes(key.application, s.flags, s.counter, data), s.signature);
      } catch {
        return false;
      }
    },
    securityKeyDetails(signatureBlob): SecurityKeySignature | undefined {
      const s = decodeFor(name, signatureBlob);
      return s && { flags: s.flags, counter: s.counter };
    },
  };
}

/** `sk-ssh-ed25519@openssh.com` (PROTOCOL.u2f): Ed25519 over the authenticator's signed bytes. */
export const skSshEd25519 = securityKeyAlgorithm(
  'sk-ssh-ed25519@openssh.com',
  (key, signed, signature) =>
    key.keyObject.asymmetricKeyType === 'ed25519' &&
    signature.length === 64 &&
    verify(null, signed, key.keyObject, signature),
);

/** `sk-ecdsa-sha2-nistp256@openssh.com` (PROTOCOL.u2f): ECDSA P-256 with SHA-256 over the signed bytes. */
export const skEcdsaSha2Nistp256 = securityKeyAlgorithm(
  'sk-ecdsa-sha2-nistp256@openssh.com',
  (key, signed, signature) => {
    const curve = ECDSA_CURVES['ecdsa-sha2-nistp256']!;
    if (key.keyObject.asymmetricKeyDetails?.namedCurve !== curve.nodeCurve) return false;
    const { r, s } = EcdsaSignature.decode(signature);
    const rf = fixedMagnitude(r, curve.fieldBytes);
    const sf = fixedMagnitude(s, curve.fieldBytes);
    if (rf === undefined || sf === undefined) return false;
    return verify(
      'sha256',
      signed,
      { key: key.keyObject, dsaEncoding: 'ieee-p1363' },
      Buffer.concat([rf, sf]),
    );
  },
);
