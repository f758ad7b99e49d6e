import { defineStruct, encodeStrings, t, WireReader, WireWriter, type FieldsOf } from '../wire/index.js';
import { ecdsaCurveForType } from './curves.js';
import { KeyFormatError } from './errors.js';
import { decodeKey, parsePublicKeyBlob, publicKeyFromParts } from './public-key.js';
import type { KeyType, PublicKey } from './types.js';

/** The certificate key types we read, each with the plain key type it certifies (PROTOCOL.certkeys). */
export const CERTIFICATE_KEY_TYPES = {
  'ssh-ed25519-cert-v01@openssh.com': 'ssh-ed25519',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': 'ecdsa-sha2-nistp521',
  'ssh-rsa-cert-v01@openssh.com': 'ssh-rsa',
  'sk-ssh-ed25519-cert-v01@openssh.com': 'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com': 'sk-ecdsa-sha2-nistp256@openssh.com',
} as const satisfies Record<string, KeyType>;

/** A certificate key type name, e.g. `ssh-ed25519-cert-v01@openssh.com`. */
export type CertificateKeyType = keyof typeof CERTIFICATE_KEY_TYPES;

/** True if `name` is a certificate key type this project reads. */
export function isCertificateKeyType(name: string): name is CertificateKeyType {
  return Object.hasOwn(CERTIFICATE_KEY_TYPES, name);
}

/** What a certificate is for: the `type` field, 1 for users and 2 for hosts (PROTOCOL.certkeys). */
export type CertificateRole = 'user' | 'host';

/** One critical option or extension: its name, and its data (`undefined` for a flag). */
export interface CertificateOption {
  readonly name: string;
  /** The option's string value; undefined when the data field is empty (extensions are flags). */
  readonly value?: string;
}

/** The fields a certificate carries besides its key, as `ssh-keygen -s` writes them. */
export interface CertificateFields {
  readonly nonce: Uint8Array;
  readonly serial: bigint;
  readonly role: CertificateRole;
  /** Free text naming the certificate in logs (`ssh-keygen -I`). */
  readonly keyId: string;
  /** User or host names it is valid for; empty means any (PROTOCOL.certkeys). */
  readonly principals: readonly string[];
  /** Seconds since the epoch; valid from this instant. */
  readonly validAfter: bigint;
  /** Seconds since the epoch; valid before this instant (2^64-1: forever). */
  readonly validBefore: bigint;
  /** Options every verifier must understand, or refuse the certificate. */
  readonly criticalOptions: readonly CertificateOption[];
  /** Optional permissions (`permit-pty` and friends); unknown ones are ignored. */
  readonly extensions: readonly CertificateOption[];
}

/** An OpenSSH certificate, decoded (PROTOCOL.certkeys); its CA signature is not checked here. */
export interface Certificate extends CertificateFields {
  readonly type: CertificateKeyType;
  /** The whole certificate blob, as the client sent it (what a publickey request names). */
  readonly blob: Uint8Array;
  /** The certified key, as a plain key: the certificate's holder signs with it. */
  readonly key: PublicKey;
  /** The CA's key (never itself a certificate). */
  readonly signatureKey: PublicKey;
  /** The CA's signature blob over {@link signedData}. */
  readonly signature: Uint8Array;
  /** The bytes the CA signed: the blob up to, not including, the signature. */
  readonly signedData: Uint8Array;
}

/** Most principals a certificate may list (OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS). */
export const MAX_PRINCIPALS = 256;

const ROLE_NUMBERS: Readonly<Record<CertificateRole, number>> = { user: 1, host: 2 };

/** Every field after the certified key's own, in wire order (PROTOCOL.certkeys). */
const CERTIFIED_FIELDS = {
  serial: t.u64,
  role: t.u32,
  keyId: t.text,
  principals: t.bytes,
  validAfter: t.u64,
  validBefore: t.u64,
  criticalOptions: t.bytes,
  extensions: t.bytes,
  reserved: t.bytes,
  signatureKey: t.bytes,
  signature: t.bytes,
} as const;

/** The certificate blob of each plain key type: type, nonce, the key's own fields, the rest. */
const Ed25519Certificate = defineStruct('ssh-ed25519 certificate', {
  type: t.text,
  nonce: t.bytes,
  ed25519: t.bytes,
  ...CERTIFIED_FIELDS,
});
const EcdsaCertificate = defineStruct('ecdsa certificate', {
  type: t.text,
  nonce: t.bytes,
  curve: t.text,
  q: t.bytes,
  ...CERTIFIED_FIELDS,
});
const SkEd25519Certificate = defineStruct('sk-ssh-ed25519 certificate', {
  type: t.text,
  nonce: t.bytes,
  ed25519: t.bytes,
  application: t.text,
  ...CERTIFIED_FIELDS,
});
const SkEcdsaCertificate = defineStruct('sk-ecdsa certificate', {
  type: t.text,
  nonce: t.bytes,
  curve: t.text,
  q: t.bytes,
  application: t.text,
  ...CERTIFIED_FIELDS,
});
const RsaCertificate = defineStruct('ssh-rsa certificate', {
  type: t.text,
  nonce: t.bytes,
  e: t.mpintBytes,
  n: t.mpintBytes,
  ...CERTIFIED_FIELDS,
});

/** The fields every certificate shares, as they are on the wire. */
type CertifiedWire = FieldsOf<typeof CERTIFIED_FIELDS> & {
  readonly type: string;
  readonly nonce: Uint8Array;
};

/**
 * A C string of the certificate (OpenSSH reads the key id, principals and option names with
 * `sshbuf_get_cstring`, which refuses a NUL inside): refused with a {@link KeyFormatError}.
 */
function cstring(text: string, what: string): string {
  if (text.includes('\0')) throw new KeyFormatError(`certificate ${what} contains a NUL byte`);
  return text;
}

/** The strings packed one after another in the principals field. */
function decodePrincipals(data: Uint8Array): string[] {
  const r = new WireReader(data);
  const out: string[] = [];
  while (r.remaining > 0) {
    if (out.length === MAX_PRINCIPALS)
      throw new KeyFormatError(`certificate lists more than ${MAX_PRINCIPALS} principals`);
    out.push(cstring(r.text(1024), 'principal'));
  }
  return out;
}

/**
 * The name/data pairs of the critical options or extensions field. A value is a string inside the
 * data string; a flag has empty data. A repeated name is refused (OpenSSH refuses a repeated
 * `force-command` or `source-address`, and ssh-keygen never writes a name twice).
 */
function decodeOptions(data: Uint8Array, what: string): CertificateOption[] {
  const r = new WireReader(data);
  const out: CertificateOption[] = [];
  while (r.remaining > 0) {
    const name = cstring(r.text(256), `${what} name`);
    const inner = r.bytes();
    if (out.some((o) => o.name === name))
      throw new KeyFormatError(`certificate repeats the ${what} "${name}"`);
    if (inner.length === 0) {
      out.push({ name });
      continue;
    }
    const v = new WireReader(inner);
    const value = v.text();
    if (v.remaining !== 0) throw new KeyFormatError(`certificate ${what} "${name}" has trailing data`);
    out.push({ name, value });
  }
  return out;
}

function encodeOptions(options: readonly CertificateOption[]): Uint8Array {
  const w = new WireWriter();
  for (const o of options) {
    w.text(o.name);
    w.bytes(o.value === undefined ? new Uint8Array(0) : new WireWriter().text(o.value).finish());
  }
  return w.finish();
}

/** The certified key and the shared fields, from the structure of the certificate's type. */
function decodeByType(
  plainType: KeyType,
  blob: Uint8Array,
  what: string,
): { readonly key: PublicKey; readonly wire: CertifiedWire } {
  if (plainType === 'ssh-ed25519') {
    const wire = decodeKey(what, () => Ed25519Certificate.decode(blob));
    return {
      key: decodeKey(what, () => publicKeyFromParts({ type: plainType, ed25519: wire.ed25519 })),
      wire,
    };
  }
  if (plainType === 'sk-ssh-ed25519@openssh.com') {
    const wire = decodeKey(what, () => SkEd25519Certificate.decode(blob));
    const parts = { type: plainType, ed25519: wire.ed25519, application: wire.application };
    return { key: decodeKey(what, () => publicKeyFromParts(parts)), wire };
  }
  if (plainType === 'sk-ecdsa-sha2-nistp256@openssh.com') {
    const wire = decodeKey(what, () => SkEcdsaCertificate.decode(blob));
    if (wire.curve !== 'nistp256')
      throw new KeyFormatError(`corrupt ${what}: the curve does not match the type`);
    const parts = { type: plainType, q: wire.q, application: wire.application };
    return { key: decodeKey(what, () => publicKeyFromParts(parts)), wire };
  }
  if (plainType === 'ssh-rsa') {
    const wire = decodeKey(what, () => RsaCertificate.decode(blob));
    return {
      key: decodeKey(what, () => publicKeyFromParts({ type: plainType, e: wire.e, n: wire.n })),
      wire,
    };
  }
  const curve = ecdsaCurveForType(plainType)!;
  const wire = decodeKey(what, () => EcdsaCertificate.decode(blob));
  if (wire.curve !== curve.curveId)
    throw new KeyFormatError(`corrupt ${what}: the curve does not match the type`);
  const type = curve.keyType as 'ecdsa-sha2-nistp256';
  return { key: decodeKey(what, () => publicKeyFromParts({ type, q: wire.q })), wire };
}

/** The CA key, which must be a plain key we read (OpenSSH refuses a certificate as a CA key too). */
function caKey(blob: Uint8Array, what: string): PublicKey {
  try {
    return parsePublicKeyBlob(blob);
  } catch (cause) {
    const why = cause instanceof KeyFormatError ? cause.message : String(cause);
    throw new KeyFormatError(`${what}: its CA key is not a plain public key (${why})`, { cause });
  }
}

/**
 * Decodes an OpenSSH certificate blob (PROTOCOL.certkeys): the certified key is validated as a
 * plain key would be, the CA key must be a plain key, the type must be user (1) or host (2), the
 * key id, principals and option names hold no NUL (as OpenSSH reads them), and truncated,
 * trailing or non-canonical bytes are refused, all with a {@link KeyFormatError}. The
 * CA's signature is left to the caller, who knows which signature algorithms it accepts.
 */
export function parseCertificate(blob: Uint8Array): Certificate {
  const type = decodeKey('certificate', () => new WireReader(blob).text(64));
  if (!isCertificateKeyType(type))
    throw new KeyFormatError(`unsupported certificate type "${type.slice(0, 64)}"`);
  const what = `${type} certificate`;
  const { key, wire } = decodeByType(CERTIFICATE_KEY_TYPES[type], blob, what);
  const role =
    wire.role === ROLE_NUMBERS.user ? 'user' : wire.role === ROLE_NUMBERS.host ? 'host' : undefined;
  if (role === undefined) throw new KeyFormatError(`${what} has an unknown type ${wire.role}`);
  const cert: Certificate = {
    type,
    blob,
    key,
    nonce: wire.nonce,
    serial: wire.serial,
    role,
    keyId: cstring(wire.keyId, 'key id'),
    principals: decodeKey(`${what}'s principals`, () => decodePrincipals(wire.principals)),
    validAfter: wire.validAfter,
    validBefore: wire.validBefore,
    criticalOptions: decodeKey(`${what}'s critical options`, () =>
      decodeOptions(wire.criticalOptions, 'critical option'),
    ),
    extensions: decodeKey(`${what}'s extensions`, () => decodeOptions(wire.extensions, 'extension')),
    signatureKey: caKey(wire.signatureKey, what),
    signature: wire.signature,
    signedData: blob.subarray(0, blob.length - 4 - wire.signature.length),
  };
  // One certificate, one blob: what the CA signed must be exactly what we would write.
  if (wire.reserved.length !== 0 || !Buffer.from(encodeCertificate(cert, key, wire.signature)).equals(blob))
    throw new KeyFormatError(`corrupt ${what}: non-canonical encoding`);
  return Object.freeze(cert);
}

/** The certificate key type for a plain key type. */
export function certificateTypeFor(keyType: KeyType): CertificateKeyType {
  const found = Object.entries(CERTIFICATE_KEY_TYPES).find(([, plain]) => plain === keyType);
  if (found === undefined) throw new KeyFormatError(`no certificate type for ${keyType} keys`);
  return found[0] as CertificateKeyType;
}

/**
 * Encodes a certificate of `key` with `fields`, signed by `fields.signatureKey` with `signature`
 * (PROTOCOL.certkeys). With an empty signature, all but the last four bytes are what the CA signs.
 */
export function encodeCertificate(
  fields: CertificateFields & { readonly signatureKey: PublicKey },
  key: PublicKey,
  signature: Uint8Array,
): Uint8Array {
  const shared = {
    type: certificateTypeFor(key.type),
    nonce: fields.nonce,
    serial: fields.serial,
    role: ROLE_NUMBERS[fields.role],
    keyId: fields.keyId,
    principals: encodeStrings(...fields.principals.map((p) => Buffer.from(p))),
    validAfter: fields.validAfter,
    validBefore: fields.validBefore,
    criticalOptions: encodeOptions(fields.criticalOptions),
    extensions: encodeOptions(fields.extensions),
    reserved: new Uint8Array(0),
    signatureKey: fields.signatureKey.blob,
    signature,
  };
  const r = new WireReader(key.blob);
  r.text();
  if (key.type === 'ssh-ed25519') return Ed25519Certificate.encode({ ...shared, ed25519: r.bytes() });
  if (key.type === 'ssh-rsa')
    return RsaCertificate.encode({ ...shared, e: r.mpintUnsigned(), n: r.mpintUnsigned() });
  if (key.type === 'sk-ssh-ed25519@openssh.com')
    return SkEd25519Certificate.encode({ ...shared, ed25519: r.bytes(), application: r.text() });
  if (key.type === 'sk-ecdsa-sha2-nistp256@openssh.com')
    return SkEcdsaCertificate.encode({ ...shared, curve: r.text(), q: r.bytes(), application: r.text() });
  return EcdsaCertificate.encode({ ...shared, curve: r.text(), q: r.bytes() });
}
