import { createPublicKey, type KeyObject } from 'node:crypto';
import { defineStruct, t, WireReader, WireWriter } from '../wire/index.js';
import { ECDSA_CURVES, ecdsaCurveForJwk, ecdsaCurveForType, type EcdsaCurve } from './curves.js';
import { dsaSpki } from './der.js';
import { KeyFormatError } from './errors.js';
import type { KeyType, PublicKey } from './types.js';

/** `ssh-ed25519` public key blob (RFC 8709 §4). */
const Ed25519Blob = defineStruct('ssh-ed25519 key', { type: t.text, key: t.bytes });
/** `ecdsa-sha2-*` public key blob (RFC 5656 §3.1): the curve id and the point Q, uncompressed. */
const EcdsaBlob = defineStruct('ecdsa key', { type: t.text, curve: t.text, q: t.bytes });
/** `sk-ssh-ed25519@openssh.com` public key blob (PROTOCOL.u2f): the Ed25519 key and the application. */
const SkEd25519Blob = defineStruct('sk-ssh-ed25519 key', { type: t.text, key: t.bytes, application: t.text });
/** `sk-ecdsa-sha2-nistp256@openssh.com` public key blob (PROTOCOL.u2f): curve, Q and the application. */
const SkEcdsaBlob = defineStruct('sk-ecdsa key', {
  type: t.text,
  curve: t.text,
  q: t.bytes,
  application: t.text,
});
/** `ssh-rsa` public key blob (RFC 4253 §6.6). */
const RsaBlob = defineStruct('ssh-rsa key', { type: t.text, e: t.mpintBytes, n: t.mpintBytes });
/** `ssh-dss` public key blob (RFC 4253 §6.6). */
const DssBlob = defineStruct('ssh-dss key', {
  type: t.text,
  p: t.mpintBytes,
  q: t.mpintBytes,
  g: t.mpintBytes,
  y: t.mpintBytes,
});

/** Smallest RSA modulus we accept, in bits (OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE). */
export const MIN_RSA_BITS = 1024;
/** Largest RSA modulus we accept, in bits (OpenSSH's SSHBUF_MAX_BIGNUM). */
export const MAX_RSA_BITS = 16384;

const KEY_TYPES: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
  'ssh-dss',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

/** Longest FIDO application string we take (OpenSSH makes `ssh:` or `ssh:` and a name). */
const MAX_APPLICATION = 256;

/** True if `name` is a key type this project reads. */
export function isKeyType(name: string): name is KeyType {
  return KEY_TYPES.includes(name);
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const fromB64u = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');

/** Number of significant bits in an unsigned big-endian magnitude. */
export function bitLength(magnitude: Uint8Array): number {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  if (i === magnitude.length) return 0;
  return (magnitude.length - i - 1) * 8 + (32 - Math.clz32(magnitude[i]!));
}

/** Runs a struct decoder, turning wire errors into {@link KeyFormatError} (`corrupt <what>: …`). */
export function decodeKey<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    if (cause instanceof KeyFormatError) throw cause;
    throw new KeyFormatError(`corrupt ${what}: ${(cause as Error).message}`, { cause });
  }
}

/** Wraps node:crypto import failures (e.g. a point not on the curve) as {@link KeyFormatError}. */
function importKey(what: string, make: () => KeyObject): KeyObject {
  try {
    return make();
  } catch (cause) {
    throw new KeyFormatError(`invalid ${what}`, { cause });
  }
}

/** Checks an RSA public exponent and modulus the way OpenSSH does before using them. */
export function checkRsaPublic(e: Uint8Array, n: Uint8Array): number {
  const bits = bitLength(n);
  if (bits < MIN_RSA_BITS)
    throw new KeyFormatError(`RSA key of ${bits} bits is too small (minimum ${MIN_RSA_BITS})`);
  if (bits > MAX_RSA_BITS) throw new KeyFormatError(`RSA key of ${bits} bits is too large`);
  if ((n[n.length - 1]! & 1) === 0) throw new KeyFormatError('invalid RSA key: even modulus');
  if (bitLength(e) < 2 || (e[e.length - 1]! & 1) === 0)
    throw new KeyFormatError('invalid RSA key: bad exponent');
  if (bitLength(e) > 64) throw new KeyFormatError('invalid RSA key: exponent too large');
  return bits;
}

/** An Ed25519 public KeyObject from the 32-byte key (RFC 8032 §5.1.5). */
export function ed25519PublicKeyObject(key: Uint8Array): KeyObject {
  if (key.length !== 32)
    throw new KeyFormatError(`invalid ssh-ed25519 key: ${key.length} bytes, expected 32`);
  return importKey('ssh-ed25519 key', () =>
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(key) }, format: 'jwk' }),
  );
}

/** Splits an uncompressed SEC1 point (0x04 || X || Y) into its coordinates. */
export function splitEcPoint(curve: EcdsaCurve, q: Uint8Array): { x: Uint8Array; y: Uint8Array } {
  const n = curve.fieldBytes;
  if (q.length !== 1 + 2 * n || q[0] !== 0x04) {
    throw new KeyFormatError(
      `invalid ${curve.keyType} key: the point is not an uncompressed ${curve.curveId} point`,
    );
  }
  return { x: q.subarray(1, 1 + n), y: q.subarray(1 + n) };
}

/** An ECDSA public KeyObject from the point Q; node:crypto rejects points not on the curve. */
export function ecdsaPublicKeyObject(curve: EcdsaCurve, q: Uint8Array): KeyObject {
  const { x, y } = splitEcPoint(curve, q);
  return importKey(`${curve.keyType} key`, () =>
    createPublicKey({ key: { kty: 'EC', crv: curve.jwkCurve, x: b64u(x), y: b64u(y) }, format: 'jwk' }),
  );
}

/** An RSA public KeyObject from e and n (unsigned magnitudes). */
export function rsaPublicKeyObject(e: Uint8Array, n: Uint8Array): KeyObject {
  checkRsaPublic(e, n);
  return importKey('ssh-rsa key', () =>
    createPublicKey({ key: { kty: 'RSA', n: b64u(n), e: b64u(e) }, format: 'jwk' }),
  );
}

/** A security key's application: printable text of a sane length (OpenSSH writes `ssh:…`). */
function checkApplication(type: string, application: string): string {
  const control = [...application].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (application.length === 0 || application.length > MAX_APPLICATION || control)
    throw new KeyFormatError(`invalid ${type} key: bad application string`);
  return application;
}

/** Encodes the SSH wire blob of a key from its parts (the one place blobs are written). */
function encodeBlob(write: (w: WireWriter) => void): Buffer {
  const w = new WireWriter({ initialSize: 512 });
  write(w);
  return Buffer.from(w.finish());
}

/** Builds a {@link PublicKey} from already-validated parts. */
function makePublicKey(
  type: KeyType,
  blob: Uint8Array,
  keyObject: KeyObject,
  bits: number,
  comment: string | undefined,
): PublicKey {
  return comment === undefined ? { type, blob, keyObject, bits } : { type, blob, keyObject, bits, comment };
}

/**
 * Decodes an SSH public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). Rejects truncated
 * or trailing bytes, non-minimal integers, unknown types, points off the curve, a curve id that
 * does not match the type and RSA keys under 1024 bits, with a {@link KeyFormatError}.
 */
export function parsePublicKeyBlob(blob: Uint8Array, comment?: string): PublicKey {
  const type = decodeKey('public key', () => new WireReader(blob).text(64));
  let key: PublicKey;
  if (type === 'ssh-ed25519') {
    const f = decodeKey('ssh-ed25519 key', () => Ed25519Blob.decode(blob));
    key = publicKeyFromParts({ type, ed25519: f.key }, comment);
  } else if (type === 'ssh-rsa') {
    const f = decodeKey('ssh-rsa key', () => RsaBlob.decode(blob));
    key = publicKeyFromParts({ type, e: f.e, n: f.n }, comment);
  } else if (type === 'ssh-dss') {
    const f = decodeKey('ssh-dss key', () => DssBlob.decode(blob));
    key = publicKeyFromParts({ type, p: f.p, q: f.q, g: f.g, y: f.y }, comment);
  } else if (type === 'sk-ssh-ed25519@openssh.com') {
    const f = decodeKey('sk-ssh-ed25519 key', () => SkEd25519Blob.decode(blob));
    key = publicKeyFromParts({ type, ed25519: f.key, application: f.application }, comment);
  } else if (type === 'sk-ecdsa-sha2-nistp256@openssh.com') {
    const f = decodeKey('sk-ecdsa key', () => SkEcdsaBlob.decode(blob));
    if (f.curve !== 'nistp256')
      throw new KeyFormatError(
        `invalid ${type} key: curve "${f.curve.slice(0, 20)}" does not match the type`,
      );
    key = publicKeyFromParts({ type, q: f.q, application: f.application }, comment);
  } else {
    const curve = ecdsaCurveForType(type);
    if (curve === undefined) throw new KeyFormatError(`unsupported key type "${type.slice(0, 40)}"`);
    const f = decodeKey(`${type} key`, () => EcdsaBlob.decode(blob));
    if (f.curve !== curve.curveId) {
      throw new KeyFormatError(
        `invalid ${type} key: curve "${f.curve.slice(0, 20)}" does not match the type`,
      );
    }
    key = publicKeyFromParts({ type: curve.keyType as 'ecdsa-sha2-nistp256', q: f.q }, comment);
  }
  // Integers must be minimal so that one key has exactly one blob (and one fingerprint).
  if (!Buffer.from(key.blob).equals(Buffer.from(blob))) {
    throw new KeyFormatError(`corrupt ${type} key: non-canonical encoding`);
  }
  return key;
}

/** The public parts of a key, by type, as they appear in blobs and private key files. */
export type PublicKeyParts =
  | { readonly type: 'ssh-ed25519'; readonly ed25519: Uint8Array }
  | {
      readonly type: 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';
      readonly q: Uint8Array;
    }
  | { readonly type: 'ssh-rsa'; readonly e: Uint8Array; readonly n: Uint8Array }
  | {
      readonly type: 'sk-ssh-ed25519@openssh.com';
      readonly ed25519: Uint8Array;
      readonly application: string;
    }
  | {
      readonly type: 'sk-ecdsa-sha2-nistp256@openssh.com';
      readonly q: Uint8Array;
      readonly application: string;
    }
  | {
      readonly type: 'ssh-dss';
      readonly p: Uint8Array;
      readonly q: Uint8Array;
      readonly g: Uint8Array;
      readonly y: Uint8Array;
    };

/** Builds a {@link PublicKey} (with its canonical blob) from its parts, validating them. */
export function publicKeyFromParts(parts: PublicKeyParts, comment?: string): PublicKey {
  switch (parts.type) {
    case 'ssh-ed25519': {
      const keyObject = ed25519PublicKeyObject(parts.ed25519);
      const blob = encodeBlob((w) => w.text(parts.type).bytes(parts.ed25519));
      return makePublicKey(parts.type, blob, keyObject, 256, comment);
    }
    case 'ssh-rsa': {
      const bits = checkRsaPublic(parts.e, parts.n);
      const keyObject = rsaPublicKeyObject(parts.e, parts.n);
      const blob = encodeBlob((w) => w.text(parts.type).mpintUnsigned(parts.e).mpintUnsigned(parts.n));
      return makePublicKey(parts.type, blob, keyObject, bits, comment);
    }
    case 'sk-ssh-ed25519@openssh.com': {
      const keyObject = ed25519PublicKeyObject(parts.ed25519);
      const application = checkApplication(parts.type, parts.application);
      const blob = encodeBlob((w) => w.text(parts.type).bytes(parts.ed25519).text(application));
      return { ...makePublicKey(parts.type, blob, keyObject, 256, comment), application };
    }
    case 'sk-ecdsa-sha2-nistp256@openssh.com': {
      const curve = ECDSA_CURVES['ecdsa-sha2-nistp256']!;
      const keyObject = ecdsaPublicKeyObject(curve, parts.q);
      const application = checkApplication(parts.type, parts.application);
      const blob = encodeBlob((w) => w.text(parts.type).text(curve.curveId).bytes(parts.q).text(application));
      return { ...makePublicKey(parts.type, blob, keyObject, 256, comment), application };
    }
    case 'ssh-dss': {
      const keyObject = importKey('ssh-dss key', () =>
        createPublicKey({ key: dsaSpki(parts), format: 'der', type: 'spki' }),
      );
      const blob = encodeBlob((w) =>
        w
          .text(parts.type)
          .mpintUnsigned(parts.p)
          .mpintUnsigned(parts.q)
          .mpintUnsigned(parts.g)
          .mpintUnsigned(parts.y),
      );
      return makePublicKey(parts.type, blob, keyObject, bitLength(parts.p), comment);
    }
    default: {
      const curve = ecdsaCurveForType(parts.type)!;
      const keyObject = ecdsaPublicKeyObject(curve, parts.q);
      const blob = encodeBlob((w) => w.text(curve.keyType).text(curve.curveId).bytes(parts.q));
      return makePublicKey(curve.keyType, blob, keyObject, curve.bits, comment);
    }
  }
}

/**
 * The public parts of a node:crypto key (public or private): Ed25519, ECDSA on P-256/384/521 or
 * RSA. Other kinds (RSA-PSS, Ed448, other curves, DSA) throw {@link KeyFormatError}.
 */
export function publicPartsOfKeyObject(key: KeyObject): PublicKeyParts {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const kind = pub.asymmetricKeyType;
  if (kind === 'ed25519') {
    return { type: 'ssh-ed25519', ed25519: fromB64u(pub.export({ format: 'jwk' }).x) };
  }
  if (kind === 'ec') {
    const jwk = pub.export({ format: 'jwk' });
    const curve = ecdsaCurveForJwk(jwk.crv ?? '');
    if (curve === undefined) throw new KeyFormatError(`unsupported elliptic curve ${jwk.crv ?? '(unknown)'}`);
    const q = Buffer.concat([Buffer.from([4]), fromB64u(jwk.x), fromB64u(jwk.y)]);
    return { type: curve.keyType as 'ecdsa-sha2-nistp256', q };
  }
  if (kind === 'rsa') {
    const jwk = pub.export({ format: 'jwk' });
    return { type: 'ssh-rsa', e: fromB64u(jwk.e), n: fromB64u(jwk.n) };
  }
  throw new KeyFormatError(`unsupported key kind ${kind ?? '(unknown)'}`);
}

/** The {@link PublicKey} of a node:crypto key (public or private); see {@link publicPartsOfKeyObject}. */
export function publicKeyFromKeyObject(key: KeyObject, comment?: string): PublicKey {
  return publicKeyFromParts(publicPartsOfKeyObject(key), comment);
}
