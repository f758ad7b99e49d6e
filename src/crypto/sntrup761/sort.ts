/*
 * Constant-time sorting of 32-bit words, as the submission's Short_fromlist needs (it sorts random
 * words whose low bits carry the coefficients). The comparison network is fixed by the length
 * alone: Batcher's merge exchange (Knuth, TAOCP vol. 3, §5.2.2, Algorithm M). Every
 * compare-exchange is computed with masks, never with a branch on the data.
 */

/**
 * Orders a[i] <= a[j] as signed 32-bit integers without branching on them. When the signs differ,
 * b - a may overflow, and then the sign of b alone says whether a > b.
 */
function minmax(x: Int32Array, i: number, j: number): void {
  const a = x[i]!;
  const b = x[j]!;
  const ab = a ^ b;
  let c = (b - a) | 0;
  c ^= ab & (c ^ b);
  // c >> 31 is -1 exactly when a > b; swap under that mask.
  const swap = (c >> 31) & ab;
  x[i] = a ^ swap;
  x[j] = b ^ swap;
}

/** Sorts signed 32-bit integers in place in constant time (for a given length). */
export function sortInt32(x: Int32Array): void {
  const n = x.length;
  if (n < 2) return;
  let top = 1;
  while (top < n) top *= 2;
  for (let p = top >>> 1; p > 0; p >>>= 1) {
    let q = top >>> 1;
    let r = 0;
    let d = p;
    for (;;) {
      for (let i = 0; i < n - d; i++) {
        if ((i & p) === r) minmax(x, i, i + d);
      }
      if (q === p) break;
      d = q - p;
      q >>>= 1;
      r = p;
    }
  }
}

/**
 * Sorts unsigned 32-bit integers in place in constant time: flipping the top bit maps unsigned
 * order onto signed order.
 */
export function sortUint32(x: Uint32Array): void {
  const s = new Int32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < s.length; i++) s[i] = s[i]! ^ 0x80000000;
  sortInt32(s);
  for (let i = 0; i < s.length; i++) s[i] = s[i]! ^ 0x80000000;
}
