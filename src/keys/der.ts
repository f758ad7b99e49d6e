/**
 * The little DER (ITU-T X.690) encoding needed to hand DSA keys to node:crypto, which has no JWK
 * form for them: SubjectPublicKeyInfo (RFC 5280 §4.1) and PKCS#8 (RFC 5208 §5) with the DSA
 * parameters of RFC 3279 §2.3.2.
 */

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** DER INTEGER from a non-negative big-endian magnitude. */
function derUnsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  const body = m.length === 0 ? Buffer.from([0]) : m[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m;
  return tlv(0x02, body);
}

const seq = (...parts: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(parts));

/** OID 1.2.840.10040.4.1 (id-dsa, RFC 3279 §2.3.2). */
const ID_DSA = Buffer.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]);

/** DSA domain parameters and keys as unsigned big-endian magnitudes. */
export interface DsaComponents {
  readonly p: Uint8Array;
  readonly q: Uint8Array;
  readonly g: Uint8Array;
  readonly y: Uint8Array;
  /** Private exponent, for private keys. */
  readonly x?: Uint8Array;
}

const dsaAlgorithm = (k: DsaComponents): Buffer =>
  seq(ID_DSA, seq(derUnsignedInteger(k.p), derUnsignedInteger(k.q), derUnsignedInteger(k.g)));

/** SubjectPublicKeyInfo DER for a DSA public key. */
export function dsaSpki(k: DsaComponents): Buffer {
  const bitString = Buffer.concat([Buffer.from([0]), derUnsignedInteger(k.y)]);
  return seq(dsaAlgorithm(k), tlv(0x03, bitString));
}

/** PKCS#8 PrivateKeyInfo DER for a DSA private key (needs `x`). */
export function dsaPkcs8(k: DsaComponents): Buffer {
  if (k.x === undefined) throw new Error('dsaPkcs8 needs the private exponent');
  return seq(derUnsignedInteger(Buffer.from([0])), dsaAlgorithm(k), tlv(0x04, derUnsignedInteger(k.x)));
}
