import { P, Q, Q12, ROUNDED_RADIX, RQ_BYTES, ROUNDED_BYTES, SMALL_BYTES } from './params.js';

/*
 * The submission's encodings (NTRU Prime round-3 specification §3.2 "Encoding"): a list of
 * integers R[i] in [0, M[i]) is packed by merging neighbours into R[i] + M[i]*R[i+1], emitting low
 * bytes while the merged modulus is at least 2^14, and recursing on the half-length list.
 */

/**
 * Encode(R, M) of the specification. Requires 0 <= R[i] < M[i] <= 2^14. Only additions,
 * multiplications, shifts and masks touch R, so secret inputs do not change the timing.
 */
export function encode(r: ArrayLike<number>, m: ArrayLike<number>): Uint8Array {
  const out: number[] = [];
  encodeInto(Array.from(r), Array.from(m), out);
  return Uint8Array.from(out);
}

function encodeInto(r: number[], m: number[], out: number[]): void {
  const len = m.length;
  if (len === 0) return;
  if (len === 1) {
    let value = r[0]!;
    let modulus = m[0]!;
    while (modulus > 1) {
      out.push(value & 255);
      value >>>= 8;
      modulus = (modulus + 255) >>> 8;
    }
    return;
  }
  const r2: number[] = [];
  const m2: number[] = [];
  for (let i = 0; i + 1 < len; i += 2) {
    let modulus = m[i]! * m[i + 1]!;
    let value = r[i]! + m[i]! * r[i + 1]!;
    while (modulus >= 16384) {
      out.push(value & 255);
      value >>>= 8;
      modulus = (modulus + 255) >>> 8;
    }
    r2.push(value);
    m2.push(modulus);
  }
  if (len & 1) {
    r2.push(r[len - 1]!);
    m2.push(m[len - 1]!);
  }
  encodeInto(r2, m2, out);
}

/**
 * Decode(S, M) of the specification: the inverse of {@link encode}. Any byte string decodes (each
 * output is reduced mod M[i]). Used on public data only (public keys, ciphertexts), so it divides.
 */
export function decode(s: Uint8Array, m: ArrayLike<number>): number[] {
  return decodeFrom(s, 0, Array.from(m));
}

function decodeFrom(s: Uint8Array, start: number, m: number[]): number[] {
  const len = m.length;
  if (len === 0) return [];
  if (len === 1) {
    let value = 0;
    let scale = 1;
    let k = start;
    for (let modulus = m[0]!; modulus > 1; modulus = (modulus + 255) >>> 8) {
      value += (s[k++] ?? 0) * scale;
      scale *= 256;
    }
    return [value % m[0]!];
  }
  let k = start;
  const bottom: number[] = [];
  const scales: number[] = [];
  const m2: number[] = [];
  for (let i = 0; i + 1 < len; i += 2) {
    let modulus = m[i]! * m[i + 1]!;
    let value = 0;
    let scale = 1;
    while (modulus >= 16384) {
      value += (s[k++] ?? 0) * scale;
      scale *= 256;
      modulus = (modulus + 255) >>> 8;
    }
    bottom.push(value);
    scales.push(scale);
    m2.push(modulus);
  }
  if (len & 1) m2.push(m[len - 1]!);
  const r2 = decodeFrom(s, k, m2);
  const out: number[] = [];
  for (let i = 0; i + 1 < len; i += 2) {
    const value = bottom[i / 2]! + scales[i / 2]! * r2[i / 2]!;
    out.push(value % m[i]!);
    out.push(Math.floor(value / m[i]!) % m[i + 1]!);
  }
  if (len & 1) out.push(r2[r2.length - 1]!);
  return out;
}

const RQ_MODULI: readonly number[] = new Array<number>(P).fill(Q);
const ROUNDED_MODULI: readonly number[] = new Array<number>(P).fill(ROUNDED_RADIX);

/** Rq_encode: a polynomial with centred coefficients in [-Q12, Q12] as 1158 bytes (the public key). */
export function encodeRq(h: Int16Array): Uint8Array {
  const r = new Array<number>(P);
  for (let i = 0; i < P; i++) r[i] = h[i]! + Q12;
  const out = encode(r, RQ_MODULI);
  if (out.length !== RQ_BYTES) throw new Error('sntrup761: Rq encoding has the wrong length');
  return out;
}

/** Rq_decode: 1158 bytes to a polynomial with centred coefficients. */
export function decodeRq(s: Uint8Array): Int16Array {
  const r = decode(s.subarray(0, RQ_BYTES), RQ_MODULI);
  const h = new Int16Array(P);
  for (let i = 0; i < P; i++) h[i] = r[i]! - Q12;
  return h;
}

/**
 * Round_and_encode / Rounded_encode: each coefficient (a multiple of 3 in [-Q12, Q12]) is sent as
 * (c + Q12) / 3 with radix (q + 2) / 3. The division by 3 is a multiply-shift (exact here).
 */
export function encodeRounded(c: Int16Array): Uint8Array {
  const r = new Array<number>(P);
  for (let i = 0; i < P; i++) r[i] = ((c[i]! + Q12) * 10923) >>> 15;
  const out = encode(r, ROUNDED_MODULI);
  if (out.length !== ROUNDED_BYTES) throw new Error('sntrup761: rounded encoding has the wrong length');
  return out;
}

/** Rounded_decode: 1007 bytes to a polynomial whose coefficients are multiples of 3. */
export function decodeRounded(s: Uint8Array): Int16Array {
  const r = decode(s.subarray(0, ROUNDED_BYTES), ROUNDED_MODULI);
  const c = new Int16Array(P);
  for (let i = 0; i < P; i++) c[i] = r[i]! * 3 - Q12;
  return c;
}

/** Small_encode: coefficients in {-1, 0, 1}, four to a byte (c + 1 in two bits, low first). */
export function encodeSmall(f: Int8Array): Uint8Array {
  const out = new Uint8Array(SMALL_BYTES);
  for (let i = 0; i < SMALL_BYTES; i++) {
    let byte = 0;
    for (let j = 0; j < 4; j++) {
      const k = 4 * i + j;
      // Positions past p-1 contribute nothing (the last byte holds one coefficient).
      if (k < P) byte |= (f[k]! + 1) << (2 * j);
    }
    out[i] = byte;
  }
  return out;
}

/** Small_decode: the inverse of {@link encodeSmall} (two-bit value minus 1). */
export function decodeSmall(s: Uint8Array): Int8Array {
  const f = new Int8Array(P);
  for (let k = 0; k < P; k++) f[k] = ((s[k >>> 2]! >>> (2 * (k & 3))) & 3) - 1;
  return f;
}
