import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import { defineStruct, t, type WireReader, type WireWriter } from '../wire/index.js';
import { ecdsaCurveForType } from './curves.js';
import { dsaPkcs8 } from './der.js';
import { KeyFormatError } from './errors.js';
import { publicKeyFromParts, publicPartsOfKeyObject } from './public-key.js';
import type { KeyType, PublicKey } from './types.js';

// The type-specific private fields of an openssh-key-v1 private section (OpenSSH
// sshkey_private_serialize), after the key type string and before the comment.

/** `ssh-ed25519`: public key, then the 64-byte private key (seed || public key). */
const Ed25519Private = defineStruct('ssh-ed25519 private key', { pub: t.bytes, priv: t.bytes });
/** `ecdsa-sha2-*`: curve id, point Q, private scalar d. */
const EcdsaPrivate = defineStruct('ecdsa private key', { curve: t.text, q: t.bytes, d: t.mpintBytes });
/** `ssh-rsa`: n, e, d, iqmp (q⁻¹ mod p), p, q. */
const RsaPrivate = defineStruct('ssh-rsa private key', {
  n: t.mpintBytes,
  e: t.mpintBytes,
  d: t.mpintBytes,
  iqmp: t.mpintBytes,
  p: t.mpintBytes,
  q: t.mpintBytes,
});
/** `ssh-dss`: p, q, g, y, x. */
const DssPrivate = defineStruct('ssh-dss private key', {
  p: t.mpintBytes,
  q: t.mpintBytes,
  g: t.mpintBytes,
  y: t.mpintBytes,
  x: t.mpintBytes,
});

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const fromB64u = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');
const big = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex')));
const mag = (v: bigint): Buffer => {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex');
};

/** Left-pads a magnitude with zeros to `n` bytes, or throws if it is longer. */
function pad(b: Uint8Array, n: number, what: string): Buffer {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  const m = b.subarray(i);
  if (m.length > n) throw new KeyFormatError(`invalid ${what}: value too large`);
  return Buffer.concat([Buffer.alloc(n - m.length), m]);
}

function importPrivate(what: string, make: () => KeyObject): KeyObject {
  try {
    return make();
  } catch (cause) {
    throw new KeyFormatError(`invalid ${what}`, { cause });
  }
}

/** A decoded private key: its public half and the node:crypto private key. */
export interface DecodedPrivateFields {
  readonly publicKey: PublicKey;
  readonly keyObject: KeyObject;
}

/**
 * Reads the type-specific private fields for `type` from `r` and checks that they are consistent
 * (the private key really belongs to the public key stored beside it).
 */
export function readPrivateFields(r: WireReader, type: string): DecodedPrivateFields {
  if (type === 'ssh-ed25519') {
    const f = Ed25519Private.readFrom(r);
    if (f.pub.length !== 32 || f.priv.length !== 64 || !Buffer.from(f.priv.subarray(32)).equals(f.pub)) {
      throw new KeyFormatError('invalid ssh-ed25519 private key');
    }
    const publicKey = publicKeyFromParts({ type, ed25519: f.pub });
    const keyObject = importPrivate('ssh-ed25519 private key', () =>
      createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d: b64u(f.priv.subarray(0, 32)), x: b64u(f.pub) },
        format: 'jwk',
      }),
    );
    return checked(publicKey, keyObject);
  }
  if (type === 'ssh-rsa') {
    const f = RsaPrivate.readFrom(r);
    const publicKey = publicKeyFromParts({ type, e: f.e, n: f.n });
    const [n, d, p, q, iqmp] = [big(f.n), big(f.d), big(f.p), big(f.q), big(f.iqmp)];
    if (p < 3n || q < 3n || p * q !== n || (iqmp * q) % p !== 1n || d <= 1n || d >= n) {
      throw new KeyFormatError('invalid ssh-rsa private key: inconsistent parameters');
    }
    const jwk = {
      kty: 'RSA',
      n: b64u(f.n),
      e: b64u(f.e),
      d: b64u(f.d),
      p: b64u(f.p),
      q: b64u(f.q),
      dp: b64u(mag(d % (p - 1n))),
      dq: b64u(mag(d % (q - 1n))),
      qi: b64u(f.iqmp),
    };
    const keyObject = importPrivate('ssh-rsa private key', () =>
      createPrivateKey({ key: jwk, format: 'jwk' }),
    );
    return checked(publicKey, keyObject);
  }
  if (type === 'ssh-dss') {
    const f = DssPrivate.readFrom(r);
    const publicKey = publicKeyFromParts({ type, p: f.p, q: f.q, g: f.g, y: f.y });
    const [p, g, y, x] = [big(f.p), big(f.g), big(f.y), big(f.x)];
    if (x <= 0n || modPow(g, x, p) !== y) throw new KeyFormatError('invalid ssh-dss private key');
    const keyObject = importPrivate('ssh-dss private key', () =>
      createPrivateKey({ key: dsaPkcs8(f), format: 'der', type: 'pkcs8' }),
    );
    return { publicKey, keyObject };
  }
  const curve = ecdsaCurveForType(type);
  if (curve === undefined) throw new KeyFormatError(`unsupported key type "${type.slice(0, 40)}"`);
  const f = EcdsaPrivate.readFrom(r);
  if (f.curve !== curve.curveId) throw new KeyFormatError(`invalid ${type} private key: wrong curve`);
  const publicKey = publicKeyFromParts({ type: curve.keyType as 'ecdsa-sha2-nistp256', q: f.q });
  const d = pad(f.d, curve.fieldBytes, `${type} private key`);
  let derived: Buffer;
  try {
    const ecdh = createECDH(curve.nodeCurve);
    ecdh.setPrivateKey(d);
    derived = ecdh.getPublicKey();
  } catch (cause) {
    throw new KeyFormatError(`invalid ${type} private key`, { cause });
  }
  if (!derived.equals(Buffer.from(f.q)))
    throw new KeyFormatError(`invalid ${type} private key: it does not match its public key`);
  const x = f.q.subarray(1, 1 + curve.fieldBytes);
  const y = f.q.subarray(1 + curve.fieldBytes);
  const keyObject = importPrivate(`${type} private key`, () =>
    createPrivateKey({
      key: { kty: 'EC', crv: curve.jwkCurve, x: b64u(x), y: b64u(y), d: b64u(d) },
      format: 'jwk',
    }),
  );
  return { publicKey, keyObject };
}

/** Checks that node:crypto derives the same public key from the private key. */
function checked(publicKey: PublicKey, keyObject: KeyObject): DecodedPrivateFields {
  const derived = publicKeyFromParts(publicPartsOfKeyObject(keyObject));
  if (!Buffer.from(derived.blob).equals(Buffer.from(publicKey.blob))) {
    throw new KeyFormatError(`invalid ${publicKey.type} private key: it does not match its public key`);
  }
  return { publicKey, keyObject };
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  if (mod <= 1n) return 0n;
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}

/** Writes the type-specific private fields of `keyObject` (Ed25519, ECDSA or RSA) as OpenSSH does. */
export function writePrivateFields(w: WireWriter, type: KeyType, keyObject: KeyObject): void {
  const jwk = keyObject.export({ format: 'jwk' });
  if (type === 'ssh-ed25519') {
    const pub = fromB64u(jwk.x);
    Ed25519Private.writeTo(w, { pub, priv: Buffer.concat([fromB64u(jwk.d), pub]) });
    return;
  }
  if (type === 'ssh-rsa') {
    RsaPrivate.writeTo(w, {
      n: fromB64u(jwk.n),
      e: fromB64u(jwk.e),
      d: fromB64u(jwk.d),
      iqmp: fromB64u(jwk.qi),
      p: fromB64u(jwk.p),
      q: fromB64u(jwk.q),
    });
    return;
  }
  const curve = ecdsaCurveForType(type);
  if (curve === undefined) throw new KeyFormatError(`writing ${type} private keys is not supported`);
  const q = Buffer.concat([Buffer.from([4]), fromB64u(jwk.x), fromB64u(jwk.y)]);
  EcdsaPrivate.writeTo(w, { curve: curve.curveId, q, d: fromB64u(jwk.d) });
}
