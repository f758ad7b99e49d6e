import { createHash } from 'node:crypto';
import { decodeRounded, decodeRq, decodeSmall, encodeRounded, encodeRq, encodeSmall } from './encode.js';
import {
  CIPHERTEXT_BYTES,
  HASH_BYTES,
  P,
  PUBLIC_KEY_BYTES,
  ROUNDED_BYTES,
  SECRET_KEY_BYTES,
  SMALL_BYTES,
  W,
} from './params.js';
import { multR3, r3FromRq, recipR3 } from './r3.js';
import { bufferedSystemRandom, shortRandom, smallRandom, type RandomSource } from './random.js';
import { multRqSmall, recip3Rq, roundRq, scale3Rq } from './rq.js';

/*
 * The Streamlined NTRU Prime KEM sntrup761 (NTRU Prime round-3 specification §2.3-§2.5 and §3.5,
 * "Streamlined NTRU Prime Core" plus the CCA transform with implicit rejection). Layouts:
 *   pk = Rq_encode(h), h = g / (3f)                                        1158 bytes
 *   sk = Small_encode(f) || Small_encode(1/g in R3) || pk || rho || Hash4(pk)  1763 bytes
 *   ct = Rounded_encode(Round(h r)) || HashConfirm(r, pk)                  1039 bytes
 *   ss = HashSession(1, r, ct), or HashSession(0, rho, ct) when decapsulation rejects.
 * Hash_b(x) is the first 32 bytes of SHA-512(b || x).
 */

/** A sntrup761 key pair in the submission's encodings. */
export interface Sntrup761KeyPair {
  /** 1158 bytes. */
  readonly publicKey: Uint8Array;
  /** 1763 bytes (contains the public key). */
  readonly secretKey: Uint8Array;
}

/** The result of encapsulation. */
export interface Sntrup761Encapsulation {
  /** 1039 bytes, sent to the key owner. */
  readonly ciphertext: Uint8Array;
  /** 32 bytes. */
  readonly sharedSecret: Uint8Array;
}

/** Hash_prefix of the specification: the first 32 bytes of SHA-512(b || parts...). */
function hashPrefix(b: number, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512').update(Uint8Array.of(b));
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest().subarray(0, HASH_BYTES));
}

/** HashConfirm(r, cache) = Hash_2(Hash_3(r) || cache), cache = Hash_4(pk). */
function hashConfirm(rEnc: Uint8Array, cache: Uint8Array): Uint8Array {
  return hashPrefix(2, hashPrefix(3, rEnc), cache);
}

/** HashSession(b, r, ct) = Hash_b(Hash_3(r) || ct). */
function hashSession(b: number, rEnc: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return hashPrefix(b, hashPrefix(3, rEnc), ciphertext);
}

/** Hide: encrypts the short polynomial r to pk and appends the confirmation hash. */
function hide(r: Int8Array, rEnc: Uint8Array, publicKey: Uint8Array, cache: Uint8Array): Uint8Array {
  const h = decodeRq(publicKey);
  const c = roundRq(multRqSmall(h, r));
  const out = new Uint8Array(CIPHERTEXT_BYTES);
  out.set(encodeRounded(c), 0);
  out.set(hashConfirm(rEnc, cache), ROUNDED_BYTES);
  return out;
}

function checkLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length)
    throw new RangeError(`sntrup761: ${what} must be ${length} bytes, got ${bytes.length}`);
}

/**
 * Key generation (KEM_KeyGen): g small and invertible in R3, f short, h = g / (3f) in Rq.
 * `random` defaults to the system CSPRNG; pass a deterministic source only for tests.
 */
export function sntrup761Keygen(random: RandomSource = bufferedSystemRandom()): Sntrup761KeyPair {
  let g: Int8Array;
  let ginv: Int8Array;
  for (;;) {
    g = smallRandom(random);
    const recip = recipR3(g);
    if (recip.ok) {
      ginv = recip.inverse;
      break;
    }
  }
  const f = shortRandom(random);
  const h = multRqSmall(recip3Rq(f), g);
  const publicKey = encodeRq(h);
  const secretKey = new Uint8Array(SECRET_KEY_BYTES);
  let at = 0;
  secretKey.set(encodeSmall(f), at);
  at += SMALL_BYTES;
  secretKey.set(encodeSmall(ginv), at);
  at += SMALL_BYTES;
  secretKey.set(publicKey, at);
  at += PUBLIC_KEY_BYTES;
  const cache = hashPrefix(4, publicKey);
  const rho = random(SMALL_BYTES);
  checkLength('rho from the random source', rho, SMALL_BYTES);
  secretKey.set(rho, at);
  at += SMALL_BYTES;
  secretKey.set(cache, at);
  f.fill(0);
  g.fill(0);
  ginv.fill(0);
  return { publicKey, secretKey };
}

/**
 * Encapsulation (KEM_Encap) to a 1158-byte public key. Any 1158-byte string is accepted, as in the
 * submission (coefficients decode mod q). Throws RangeError on a wrong length.
 */
export function sntrup761Encapsulate(
  publicKey: Uint8Array,
  random: RandomSource = bufferedSystemRandom(4 * P),
): Sntrup761Encapsulation {
  checkLength('public key', publicKey, PUBLIC_KEY_BYTES);
  const cache = hashPrefix(4, publicKey);
  const r = shortRandom(random);
  const rEnc = encodeSmall(r);
  const ciphertext = hide(r, rEnc, publicKey, cache);
  const sharedSecret = hashSession(1, rEnc, ciphertext);
  r.fill(0);
  rEnc.fill(0);
  return { ciphertext, sharedSecret };
}

/**
 * Decapsulation (KEM_Decap) with implicit rejection: a ciphertext that does not re-encrypt to
 * itself yields HashSession(0, rho, ct), a key unrelated to any encapsulation, and never throws.
 * The weight check, the comparison and the selection are branch-free. Throws RangeError only on
 * wrong lengths (public information).
 */
export function sntrup761Decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  checkLength('ciphertext', ciphertext, CIPHERTEXT_BYTES);
  checkLength('secret key', secretKey, SECRET_KEY_BYTES);
  let at = 0;
  const f = decodeSmall(secretKey.subarray(at, (at += SMALL_BYTES)));
  const ginv = decodeSmall(secretKey.subarray(at, (at += SMALL_BYTES)));
  const publicKey = secretKey.subarray(at, (at += PUBLIC_KEY_BYTES));
  const rho = secretKey.subarray(at, (at += SMALL_BYTES));
  const cache = secretKey.subarray(at, (at += HASH_BYTES));

  // Decrypt: e = 3 f c in R3, ev = e / g; r = ev if it has weight w, else a fixed short vector.
  const c = decodeRounded(ciphertext);
  const e = r3FromRq(scale3Rq(multRqSmall(c, f)));
  const ev = multR3(e, ginv);
  const r = weightForce(ev);

  // Re-encrypt and compare; on mismatch replace r by rho (mask = -1), branch-free.
  const rEnc = encodeSmall(r);
  const cnew = hide(r, rEnc, publicKey, cache);
  const mask = differMask(ciphertext, cnew);
  for (let i = 0; i < SMALL_BYTES; i++) rEnc[i] = rEnc[i]! ^ (mask & (rEnc[i]! ^ rho[i]!));
  const sharedSecret = hashSession(1 + mask, rEnc, ciphertext);
  f.fill(0);
  ginv.fill(0);
  e.fill(0);
  ev.fill(0);
  r.fill(0);
  rEnc.fill(0);
  return sharedSecret;
}

/**
 * Weightw_mask and the forced fallback of Decrypt: returns ev when exactly w coefficients are
 * nonzero, else the vector with w leading ones, selected with a mask.
 */
export function weightForce(ev: Int8Array): Int8Array {
  let weight = 0;
  for (let i = 0; i < P; i++) weight += ev[i]! & 1;
  // mask = -1 when weight != w.
  const d = weight - W;
  const mask = (d | -d) >> 31;
  const out = new Int8Array(P);
  for (let i = 0; i < W; i++) out[i] = ((ev[i]! ^ 1) & ~mask) ^ 1;
  for (let i = W; i < P; i++) out[i] = ev[i]! & ~mask;
  return out;
}

/** 0 when a and b (same length) are equal, -1 otherwise, without an early exit. */
export function differMask(a: Uint8Array, b: Uint8Array): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return (diff | -diff) >> 31;
}
