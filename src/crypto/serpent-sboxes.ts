// Serpent's S-boxes (Anderson, Biham, Knudsen, "Serpent: A Proposal for the Advanced Encryption
// Standard", §2) as bitsliced boolean functions: each output bit is written in algebraic normal form
// (XORs of ANDs of the input words), worked out mechanically from the published tables.
// test/unit/crypto/serpent.test.ts checks every function, and its inverse, against those tables.

/** S-box S0 (3 8 15 1 10 6 5 11 14 13 4 2 7 0 9 12) on four bitsliced words, in place. */
function s0(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x012 = x01 & x2;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x0 ^ x01 ^ x2 ^ x02 ^ x12 ^ x012 ^ x3 ^ x023 ^ x123);
  st[1] = ~(x0 ^ x02 ^ x12 ^ x012 ^ x13 ^ x023 ^ x123);
  st[2] = x1 ^ x01 ^ x02 ^ x012 ^ x3 ^ x13 ^ x123;
  st[3] = x0 ^ x1 ^ x2 ^ x3 ^ x03;
}

/** S-box S1 (15 12 2 7 9 0 5 10 1 11 14 8 6 13 3 4) on four bitsliced words, in place. */
function s1(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x0 ^ x1 ^ x12 ^ x03 ^ x23 ^ x023 ^ x123);
  st[1] = ~(x0 ^ x01 ^ x2 ^ x02 ^ x3 ^ x13 ^ x013 ^ x023 ^ x123);
  st[2] = ~(x1 ^ x01 ^ x2 ^ x3);
  st[3] = ~(x1 ^ x02 ^ x3 ^ x03 ^ x013 ^ x023 ^ x123);
}

/** S-box S2 (8 6 7 9 3 12 10 15 13 1 14 4 0 11 5 2) on four bitsliced words, in place. */
function s2(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  st[0] = x1 ^ x2 ^ x02 ^ x3;
  st[1] = x0 ^ x1 ^ x2 ^ x12 ^ x012 ^ x03 ^ x013 ^ x23 ^ x023;
  st[2] = x0 ^ x1 ^ x12 ^ x3 ^ x13 ^ x013 ^ x23 ^ x023;
  st[3] = ~(x0 ^ x1 ^ x2 ^ x012 ^ x13);
}

/** S-box S3 (0 15 11 8 12 9 6 3 13 1 2 4 10 7 5 14) on four bitsliced words, in place. */
function s3(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = x0 ^ x1 ^ x12 ^ x3 ^ x03 ^ x23 ^ x023 ^ x123;
  st[1] = x0 ^ x1 ^ x02 ^ x03 ^ x013 ^ x23 ^ x023;
  st[2] = x0 ^ x01 ^ x2 ^ x012 ^ x3 ^ x13 ^ x013;
  st[3] = x0 ^ x1 ^ x01 ^ x2 ^ x02 ^ x012 ^ x3 ^ x23 ^ x023;
}

/** S-box S4 (1 15 8 3 12 0 11 6 2 5 4 10 9 14 7 13) on four bitsliced words, in place. */
function s4(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x1 ^ x01 ^ x2 ^ x3 ^ x03 ^ x13);
  st[1] = x0 ^ x02 ^ x12 ^ x3 ^ x13 ^ x23 ^ x023 ^ x123;
  st[2] = x0 ^ x01 ^ x2 ^ x12 ^ x012 ^ x13 ^ x013 ^ x23 ^ x123;
  st[3] = x0 ^ x1 ^ x2 ^ x12 ^ x03 ^ x13 ^ x013;
}

/** S-box S5 (15 5 2 11 4 10 9 12 0 3 14 8 13 6 7 1) on four bitsliced words, in place. */
function s5(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x1 ^ x01 ^ x2 ^ x3 ^ x03 ^ x13);
  st[1] = ~(x0 ^ x01 ^ x2 ^ x3 ^ x13 ^ x013 ^ x23);
  st[2] = ~(x1 ^ x02 ^ x3 ^ x013 ^ x23 ^ x023 ^ x123);
  st[3] = ~(x0 ^ x1 ^ x2 ^ x012 ^ x3 ^ x03 ^ x023);
}

/** S-box S6 (7 2 12 5 8 4 6 11 14 9 1 15 13 3 10 0) on four bitsliced words, in place. */
function s6(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x0 ^ x1 ^ x2 ^ x02 ^ x12 ^ x012 ^ x3 ^ x013 ^ x123);
  st[1] = ~(x1 ^ x2 ^ x03);
  st[2] = ~(x0 ^ x01 ^ x2 ^ x12 ^ x012 ^ x13 ^ x013 ^ x23 ^ x123);
  st[3] = x1 ^ x01 ^ x2 ^ x02 ^ x012 ^ x3 ^ x23 ^ x123;
}

/** S-box S7 (1 13 15 0 14 8 2 11 7 4 12 10 9 3 5 6) on four bitsliced words, in place. */
function s7(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x01 ^ x2 ^ x03 ^ x13 ^ x23 ^ x023 ^ x123);
  st[1] = x1 ^ x01 ^ x2 ^ x02 ^ x12 ^ x3 ^ x03 ^ x013 ^ x023;
  st[2] = x0 ^ x1 ^ x2 ^ x012 ^ x3 ^ x03 ^ x13 ^ x013 ^ x123;
  st[3] = x0 ^ x1 ^ x2 ^ x02 ^ x012 ^ x03;
}

/** Inverse of S-box S0, in place. */
function i0(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x01 ^ x2 ^ x12 ^ x03 ^ x13 ^ x013 ^ x23 ^ x023 ^ x123);
  st[1] = x0 ^ x1 ^ x2 ^ x02 ^ x13 ^ x023 ^ x123;
  st[2] = ~(x0 ^ x1 ^ x01 ^ x2 ^ x3);
  st[3] = ~(x0 ^ x12 ^ x3 ^ x013 ^ x23 ^ x023 ^ x123);
}

/** Inverse of S-box S1, in place. */
function i1(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x012 = x01 & x2;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x0 ^ x1 ^ x01 ^ x012 ^ x13 ^ x023 ^ x123);
  st[1] = x1 ^ x2 ^ x012 ^ x3 ^ x03 ^ x13 ^ x023 ^ x123;
  st[2] = ~(x0 ^ x1 ^ x02 ^ x12 ^ x012 ^ x3 ^ x023);
  st[3] = x0 ^ x2 ^ x3 ^ x13;
}

/** Inverse of S-box S2, in place. */
function i2(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  st[0] = x0 ^ x1 ^ x2 ^ x12 ^ x13;
  st[1] = x1 ^ x01 ^ x2 ^ x03 ^ x013 ^ x23 ^ x023;
  st[2] = ~(x0 ^ x01 ^ x2 ^ x3 ^ x03 ^ x13 ^ x013 ^ x023);
  st[3] = ~(x01 ^ x12 ^ x012 ^ x3 ^ x023);
}

/** Inverse of S-box S3, in place. */
function i3(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = x0 ^ x2 ^ x12 ^ x3 ^ x03 ^ x13 ^ x123;
  st[1] = x1 ^ x2 ^ x12 ^ x012 ^ x3 ^ x03 ^ x023 ^ x123;
  st[2] = x01 ^ x02 ^ x12 ^ x03 ^ x13 ^ x013 ^ x23 ^ x023;
  st[3] = x0 ^ x1 ^ x2 ^ x02 ^ x012 ^ x03 ^ x013 ^ x23;
}

/** Inverse of S-box S4, in place. */
function i4(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  st[0] = ~(x0 ^ x1 ^ x2 ^ x3 ^ x03 ^ x013 ^ x23 ^ x023);
  st[1] = x01 ^ x2 ^ x02 ^ x3 ^ x03 ^ x023;
  st[2] = ~(x0 ^ x1 ^ x01 ^ x2 ^ x02 ^ x012 ^ x3 ^ x13 ^ x013);
  st[3] = x1 ^ x01 ^ x2 ^ x03 ^ x013 ^ x23;
}

/** Inverse of S-box S5, in place. */
function i5(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  st[0] = x0 ^ x12 ^ x3 ^ x013;
  st[1] = x0 ^ x1 ^ x02 ^ x12 ^ x012 ^ x3 ^ x03 ^ x013;
  st[2] = x0 ^ x01 ^ x2 ^ x13 ^ x013 ^ x023;
  st[3] = ~(x1 ^ x01 ^ x2 ^ x012 ^ x03);
}

/** Inverse of S-box S6, in place. */
function i6(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x0 ^ x01 ^ x02 ^ x12 ^ x012 ^ x3 ^ x013 ^ x123);
  st[1] = ~(x1 ^ x2 ^ x02 ^ x3);
  st[2] = ~(x0 ^ x1 ^ x12 ^ x13 ^ x013 ^ x23 ^ x123);
  st[3] = ~(x1 ^ x01 ^ x2 ^ x12 ^ x012 ^ x3 ^ x03 ^ x013 ^ x23 ^ x123);
}

/** Inverse of S-box S7, in place. */
function i7(st: Uint32Array): void {
  const x0 = st[0]!;
  const x1 = st[1]!;
  const x2 = st[2]!;
  const x3 = st[3]!;
  const x01 = x0 & x1;
  const x02 = x0 & x2;
  const x12 = x1 & x2;
  const x03 = x0 & x3;
  const x13 = x1 & x3;
  const x23 = x2 & x3;
  const x012 = x01 & x2;
  const x013 = x01 & x3;
  const x023 = x02 & x3;
  const x123 = x12 & x3;
  st[0] = ~(x0 ^ x1 ^ x12 ^ x13 ^ x013 ^ x23 ^ x123);
  st[1] = ~(x0 ^ x2 ^ x12 ^ x3 ^ x03 ^ x13 ^ x023 ^ x123);
  st[2] = x1 ^ x02 ^ x3 ^ x013 ^ x23 ^ x023;
  st[3] = x01 ^ x2 ^ x012 ^ x03 ^ x13 ^ x013;
}

/** S-boxes S0..S7 applied bitsliced to a state of four words, in place (bit j of word k = bit k of nibble j). */
export const SERPENT_SBOXES: readonly ((st: Uint32Array) => void)[] = [s0, s1, s2, s3, s4, s5, s6, s7];

/** The inverse S-boxes, indexed like {@link SERPENT_SBOXES}. */
export const SERPENT_INVERSE_SBOXES: readonly ((st: Uint32Array) => void)[] = [
  i0,
  i1,
  i2,
  i3,
  i4,
  i5,
  i6,
  i7,
];
