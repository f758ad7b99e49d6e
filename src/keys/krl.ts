import { createHash } from 'node:crypto';
import { sanitizeForLog } from '../log/logger.js';
import { asBuffer } from '../util/as-buffer.js';
import { DecodeError, defineStruct, endOrThrow, t, WireReader } from '../wire/index.js';
import { KeyFormatError } from './errors.js';
import { bitLength, parsePublicKeyBlob } from './public-key.js';
import type { PublicKey } from './types.js';

// OpenSSH Key Revocation Lists (PROTOCOL.krl; read as krl.c's ssh_krl_from_blob, checked as its
// ssh_krl_check_key):
//   "SSHKRL\n\0", uint32 format version (1), uint64 krl_version, uint64 generated_date,
//   uint64 flags, string reserved, string comment, then sections of byte type, string data.
// A signature section (4) holds two strings, the signing key and the signature. OpenSSH 9.3 and
// earlier verified it (against any key: sshd names none it trusts); krl.c since 9.4 (1.59) skips
// both strings unchecked, and so do we. We also keep 9.3's rule that signatures come last.
// Extensions (255, and 0x39 inside a certificate section; 9.4 and later) are skipped unless critical.

/** The first eight bytes of every KRL (PROTOCOL.krl §1, `KRL_MAGIC`). */
const KRL_MAGIC = Buffer.from('SSHKRL\n\0', 'latin1');
/** Largest KRL we read, as OpenSSH's buffers (`SSHBUF_SIZE_MAX`, 128 MiB). */
export const MAX_KRL_BYTES = 128 * 1024 * 1024;
/** Largest serial bitmap, in bytes: OpenSSH reads it as an mpint of at most 16384 bits. */
const MAX_BITMAP_BYTES = 16384 / 8;
const KRL_FORMAT_VERSION = 1;
const MAX_U64 = (1n << 64n) - 1n;

/** Section types (PROTOCOL.krl §1). */
const SECTION = { certificates: 1, explicitKey: 2, sha1: 3, signature: 4, sha256: 5, extension: 255 };
/** Certificate subsection types (PROTOCOL.krl §2). */
const CERT_SECTION = {
  serialList: 0x20,
  serialRange: 0x21,
  serialBitmap: 0x22,
  keyId: 0x23,
  extension: 0x39,
};

/** The KRL header (PROTOCOL.krl §1). */
const Header = defineStruct('KRL header', {
  magic: t.fixed(KRL_MAGIC.length),
  formatVersion: t.u32,
  krlVersion: t.u64,
  generatedDate: t.u64,
  flags: t.u64,
  reserved: t.bytes,
  comment: t.bytes,
});
/** A section (PROTOCOL.krl §1) or a certificate subsection (§2): its type and data. */
const Section = defineStruct('KRL section', { type: t.byte, data: t.bytes });
/** The head of a certificate section (PROTOCOL.krl §2): the CA key, empty for any CA. */
const CertificatesHead = defineStruct('KRL certificate section', { caKey: t.bytes, reserved: t.bytes });
/** A serial range subsection (PROTOCOL.krl §2.2). */
const SerialRange = defineStruct('KRL serial range', { min: t.u64, max: t.u64 });
/** A serial bitmap subsection (PROTOCOL.krl §2.3): bit N revokes serial offset + N. */
const SerialBitmap = defineStruct('KRL serial bitmap', { offset: t.u64, bitmap: t.mpintBytes });
/** An extension section or certificate subsection (PROTOCOL.krl §2.5, §5). */
const Extension = defineStruct('KRL extension', { name: t.bytes, critical: t.bool, contents: t.bytes });

/** The certificate a key was presented in, as far as revocation looks at it (PROTOCOL.certkeys). */
export interface RevocationCertificate {
  readonly serial: bigint;
  readonly keyId: string;
  /** The CA key that signed the certificate. */
  readonly signatureKey: PublicKey;
}

/** A decoded OpenSSH Key Revocation List (PROTOCOL.krl). */
export interface KeyRevocationList {
  /** `krl_version`: grows each time the KRL is changed (`ssh-keygen -z`). */
  readonly krlVersion: bigint;
  /** `generated_date`, in seconds since 1970-01-01 UTC. */
  readonly generatedDate: bigint;
  readonly comment: string;
  /**
   * True if the KRL revokes `key` (the plain key), or, when `certificate` is given, the
   * certificate it came in or that certificate's CA key (krl.c `ssh_krl_check_key`).
   */
  isRevoked(key: PublicKey, certificate?: RevocationCertificate): boolean;
}

/** True if `bytes` start with {@link KRL_MAGIC}, as sshd decides whether a RevokedKeys file is a KRL. */
export function isKrl(bytes: Uint8Array): boolean {
  return bytes.length >= KRL_MAGIC.length && asBuffer(bytes).subarray(0, KRL_MAGIC.length).equals(KRL_MAGIC);
}

/**
 * Decodes a binary KRL (PROTOCOL.krl). Refuses, with a one-line {@link KeyFormatError}, what
 * OpenSSH refuses: a bad magic or version, truncated or trailing data, unknown sections, critical
 * extensions, hashes of the wrong length, serial 0, a range whose minimum exceeds its maximum, a
 * bitmap over 16384 bits or past 2^64, and a CA key that is not a key.
 */
export function parseKrl(bytes: Uint8Array): KeyRevocationList {
  if (bytes.length > MAX_KRL_BYTES) throw new KeyFormatError(`KRL of ${bytes.length} bytes is too large`);
  if (!isKrl(bytes)) throw new KeyFormatError('not a KRL (bad magic)');
  try {
    return readKrl(new WireReader(bytes, 0, bytes.length));
  } catch (cause) {
    if (cause instanceof DecodeError) throw new KeyFormatError(`corrupt KRL: ${cause.message}`, { cause });
    throw cause;
  }
}

function readKrl(r: WireReader): KeyRevocationList {
  const header = Header.readFrom(r);
  if (header.formatVersion !== KRL_FORMAT_VERSION) {
    throw new KeyFormatError(`unsupported KRL format version ${header.formatVersion}`);
  }
  const krl = new RevocationTables(
    header.krlVersion,
    header.generatedDate,
    cstring(header.comment, 'comment'),
  );
  let signed = false;
  while (r.remaining > 0) {
    const { type, data } = Section.readFrom(r);
    if (type === SECTION.signature) {
      r.bytes(); // the signature itself; the section's data is the signing key
      signed = true;
      continue;
    }
    if (signed) throw new KeyFormatError(`KRL section ${type} after the signature`);
    readSection(krl, type, new WireReader(data, 0, data.length));
  }
  krl.seal();
  return krl;
}

function readSection(krl: RevocationTables, type: number, r: WireReader): void {
  switch (type) {
    case SECTION.certificates:
      return readCertificates(krl, r);
    case SECTION.explicitKey:
      return readBlobs(r, krl.keys, 0);
    case SECTION.sha1:
      return readBlobs(r, krl.sha1, 20);
    case SECTION.sha256:
      return readBlobs(r, krl.sha256, 32);
    case SECTION.extension:
      return readExtension(r, 'section');
    default:
      throw new KeyFormatError(`unsupported KRL section type ${type}`);
  }
}

/** A list of strings (explicit key blobs, or hashes of `length` bytes when not 0). */
function readBlobs(r: WireReader, into: Set<string>, length: number): void {
  while (r.remaining > 0) {
    const blob = r.bytes();
    if (length !== 0 && blob.length !== length) {
      throw new KeyFormatError(`KRL hash of ${blob.length} bytes, expected ${length}`);
    }
    into.add(blob.toString('latin1'));
  }
}

/** An extension (PROTOCOL.krl §2.5, §5): we know none, so a critical one refuses the KRL. */
function readExtension(r: WireReader, where: string): void {
  const ext = Extension.readFrom(r);
  endOrThrow(r, `KRL extension ${where}`);
  if (ext.critical) {
    const name = sanitizeForLog(asBuffer(ext.name).toString('latin1'), 64);
    throw new KeyFormatError(`KRL has an unsupported critical extension ${where} "${name}"`);
  }
}

function readCertificates(krl: RevocationTables, r: WireReader): void {
  const head = CertificatesHead.readFrom(r);
  const scope = krl.scopeFor(head.caKey.length === 0 ? undefined : caKeyOf(head.caKey));
  while (r.remaining > 0) {
    const { type, data } = Section.readFrom(r);
    const sub = new WireReader(data, 0, data.length);
    switch (type) {
      case CERT_SECTION.serialList:
        while (sub.remaining > 0) {
          const serial = sub.u64();
          scope.addRange(serial, serial);
        }
        break;
      case CERT_SECTION.serialRange: {
        const range = SerialRange.readFrom(sub);
        scope.addRange(range.min, range.max);
        break;
      }
      case CERT_SECTION.serialBitmap: {
        const { offset, bitmap } = SerialBitmap.readFrom(sub);
        scope.addBitmap(offset, bitmap);
        break;
      }
      case CERT_SECTION.keyId:
        while (sub.remaining > 0) scope.keyIds.add(krlCstringBytes(sub.bytes(), 'key ID'));
        break;
      case CERT_SECTION.extension:
        readExtension(sub, 'subsection');
        break;
      default:
        throw new KeyFormatError(`unsupported KRL certificate subsection type ${type}`);
    }
    endOrThrow(sub, `KRL certificate subsection ${type}`);
  }
}

function caKeyOf(blob: Uint8Array): PublicKey {
  try {
    return parsePublicKeyBlob(blob);
  } catch (cause) {
    if (cause instanceof KeyFormatError) {
      throw new KeyFormatError(`KRL certificate section CA key: ${cause.message}`, { cause });
    }
    throw cause;
  }
}

/**
 * The bytes of an OpenSSH C string read from an SSH string (`sshbuf_get_cstring`), one char per
 * byte so that key IDs compare exactly: one trailing NUL is dropped; undefined if any other NUL.
 */
function cstringBytes(raw: Uint8Array): string | undefined {
  const bytes = asBuffer(raw);
  const nul = bytes.indexOf(0);
  if (nul !== -1 && nul !== bytes.length - 1) return undefined;
  return bytes.subarray(0, nul === -1 ? bytes.length : nul).toString('latin1');
}

/** A KRL field read as {@link cstringBytes}, refusing a NUL inside. */
function krlCstringBytes(raw: Uint8Array, what: string): string {
  const bytes = cstringBytes(raw);
  if (bytes === undefined) throw new KeyFormatError(`KRL ${what} holds a NUL byte`);
  return bytes;
}

/** A KRL text field: {@link krlCstringBytes} read as UTF-8 (invalid sequences become U+FFFD). */
function cstring(raw: Uint8Array, what: string): string {
  return Buffer.from(krlCstringBytes(raw, what), 'latin1').toString('utf8');
}

/** A serial bitmap kept as it came: bit N of the big-endian magnitude revokes `offset + N`. */
interface Bitmap {
  readonly offset: bigint;
  readonly bits: Buffer;
}

/**
 * Revoked serials as inclusive ranges, in two growable columns of uint64 (16 bytes a range, a list
 * entry being a range of one), merged into disjoint sorted ranges by {@link SerialRanges.seal}.
 */
class SerialRanges {
  private mins = new BigUint64Array(8);
  private maxs = new BigUint64Array(8);
  private count = 0;

  add(min: bigint, max: bigint): void {
    if (this.count === this.mins.length) {
      this.mins = grow(this.mins);
      this.maxs = grow(this.maxs);
    }
    this.mins[this.count] = min;
    this.maxs[this.count] = max;
    this.count++;
  }

  /**
   * Merges the ranges. With the minimums and the maximums each sorted on their own, the union ends
   * after the i-th maximum exactly when the next minimum lies beyond it: every range opened by
   * then has closed.
   */
  seal(): void {
    const mins = this.mins.subarray(0, this.count).sort();
    const maxs = this.maxs.subarray(0, this.count).sort();
    let merged = 0;
    let start = 0;
    for (let i = 0; i < this.count; i++) {
      if (i + 1 < this.count && mins[i + 1]! <= maxs[i]! + 1n) continue;
      mins[merged] = mins[start]!;
      maxs[merged] = maxs[i]!;
      merged++;
      start = i + 1;
    }
    this.mins = mins.slice(0, merged);
    this.maxs = maxs.slice(0, merged);
    this.count = merged;
  }

  /** True if `serial` is in a range (after {@link SerialRanges.seal}). */
  has(serial: bigint): boolean {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (serial < this.mins[mid]!) hi = mid - 1;
      else if (serial > this.maxs[mid]!) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

const grow = (column: BigUint64Array<ArrayBuffer>): BigUint64Array<ArrayBuffer> => {
  const bigger = new BigUint64Array(column.length * 2);
  bigger.set(column);
  return bigger;
};

/** What one CA (or any CA) has revoked: serial ranges, bitmaps and key IDs (PROTOCOL.krl §2). */
class CaScope {
  readonly ranges = new SerialRanges();
  private readonly bitmaps: Bitmap[] = [];
  /** Key IDs as {@link cstringBytes} strings. */
  readonly keyIds = new Set<string>();

  addRange(min: bigint, max: bigint): void {
    if (min === 0n) throw new KeyFormatError('KRL revokes certificate serial 0');
    if (min > max) throw new KeyFormatError(`KRL serial range ${min}-${max} is reversed`);
    this.ranges.add(min, max);
  }

  addBitmap(offset: bigint, magnitude: Uint8Array): void {
    if (magnitude.length > MAX_BITMAP_BYTES) {
      throw new KeyFormatError(`KRL serial bitmap of ${magnitude.length} bytes is too large`);
    }
    const bits = bitLength(magnitude);
    if (bits === 0) return;
    if (offset + BigInt(bits) - 1n > MAX_U64) throw new KeyFormatError('KRL serial bitmap runs past 2^64');
    if (offset === 0n && (magnitude[magnitude.length - 1]! & 1) !== 0) {
      throw new KeyFormatError('KRL revokes certificate serial 0');
    }
    this.bitmaps.push({ offset, bits: Buffer.from(magnitude) });
  }

  /** True if this scope revokes the certificate (krl.c `is_cert_revoked`; serial 0 is never revoked). */
  revokes(certificate: RevocationCertificate, keyId: string | undefined): boolean {
    if (keyId !== undefined && this.keyIds.has(keyId)) return true;
    const serial = certificate.serial;
    if (serial === 0n) return false;
    return this.ranges.has(serial) || this.bitmaps.some((b) => bitmapHas(b, serial));
  }
}

function bitmapHas(bitmap: Bitmap, serial: bigint): boolean {
  const index = serial - bitmap.offset;
  if (index < 0n || index >= BigInt(bitmap.bits.length * 8)) return false;
  const i = Number(index);
  const byte = bitmap.bits[bitmap.bits.length - 1 - (i >>> 3)]!;
  return ((byte >>> (i & 7)) & 1) === 1;
}

const hashOf = (algorithm: 'sha1' | 'sha256', blob: Uint8Array): string =>
  createHash(algorithm).update(blob).digest('binary');

/** The decoded KRL: sets of revoked blobs and hashes, and the certificate rules per CA. */
class RevocationTables implements KeyRevocationList {
  /** Explicitly revoked plain key blobs, one char per byte. */
  readonly keys = new Set<string>();
  readonly sha1 = new Set<string>();
  readonly sha256 = new Set<string>();
  /** Certificate rules by CA key blob (one char per byte). */
  private readonly byCa = new Map<string, CaScope>();
  /** Certificate rules for any CA (sections with an empty CA key). */
  private anyCa: CaScope | undefined;

  constructor(
    readonly krlVersion: bigint,
    readonly generatedDate: bigint,
    readonly comment: string,
  ) {}

  /** The rules of a CA, or of any CA when `ca` is undefined; sections for the same CA add up. */
  scopeFor(ca: PublicKey | undefined): CaScope {
    if (ca === undefined) return (this.anyCa ??= new CaScope());
    const id = asBuffer(ca.blob).toString('latin1');
    let scope = this.byCa.get(id);
    if (scope === undefined) this.byCa.set(id, (scope = new CaScope()));
    return scope;
  }

  seal(): void {
    for (const scope of this.byCa.values()) scope.ranges.seal();
    this.anyCa?.ranges.seal();
  }

  isRevoked(key: PublicKey, certificate?: RevocationCertificate): boolean {
    if (this.revokesKey(key.blob)) return true;
    if (certificate === undefined) return false;
    // Undefined for a key ID with a NUL inside, which OpenSSH refuses in a certificate.
    const keyId = cstringBytes(Buffer.from(certificate.keyId, 'utf8'));
    const ca = this.byCa.get(asBuffer(certificate.signatureKey.blob).toString('latin1'));
    if (ca?.revokes(certificate, keyId) === true || this.anyCa?.revokes(certificate, keyId) === true) {
      return true;
    }
    return this.revokesKey(certificate.signatureKey.blob);
  }

  /** krl.c `is_key_revoked` for a plain key: by SHA-1, SHA-256 or its blob. */
  private revokesKey(blob: Uint8Array): boolean {
    return (
      (this.sha1.size > 0 && this.sha1.has(hashOf('sha1', blob))) ||
      (this.sha256.size > 0 && this.sha256.has(hashOf('sha256', blob))) ||
      this.keys.has(asBuffer(blob).toString('latin1'))
    );
  }
}
