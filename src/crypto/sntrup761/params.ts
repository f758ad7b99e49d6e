/**
 * Parameters of Streamlined NTRU Prime sntrup761 (NTRU Prime round-3 submission, §2 and §3.5): the
 * ring R = Z[x]/(x^p - x - 1) with p = 761, the modulus q = 4591, and weight w = 286 for short
 * polynomials. Byte sizes follow the submission's encodings exactly.
 */

/** Degree of the ring polynomial x^p - x - 1. */
export const P = 761;
/** The prime modulus of Rq. */
export const Q = 4591;
/** Number of nonzero coefficients of a short polynomial. */
export const W = 286;
/** (q - 1) / 2: Rq coefficients are kept in [-Q12, Q12]. */
export const Q12 = (Q - 1) / 2;
/** Modulus of the "rounded" encoding: rounded coefficients are multiples of 3 in [-Q12, Q12]. */
export const ROUNDED_RADIX = (Q + 2) / 3;

/** Bytes of a small polynomial (four coefficients a byte): Small_bytes. */
export const SMALL_BYTES = Math.ceil(P / 4);
/** Bytes of Rq_encode: the public key. */
export const RQ_BYTES = 1158;
/** Bytes of Rounded_encode: the ciphertext without its confirmation hash. */
export const ROUNDED_BYTES = 1007;
/** Bytes of a hash output (SHA-512 truncated to 256 bits). */
export const HASH_BYTES = 32;

/** Public key bytes (crypto_kem_PUBLICKEYBYTES). */
export const PUBLIC_KEY_BYTES = RQ_BYTES;
/** Secret key bytes: f, 1/g, pk, rho, Hash4(pk) (crypto_kem_SECRETKEYBYTES). */
export const SECRET_KEY_BYTES = 2 * SMALL_BYTES + PUBLIC_KEY_BYTES + SMALL_BYTES + HASH_BYTES;
/** Ciphertext bytes: rounded encoding and confirmation hash (crypto_kem_CIPHERTEXTBYTES). */
export const CIPHERTEXT_BYTES = ROUNDED_BYTES + HASH_BYTES;
/** Shared secret bytes (crypto_kem_BYTES). */
export const SHARED_SECRET_BYTES = HASH_BYTES;
