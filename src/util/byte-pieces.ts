/**
 * Views of the bytes [from, to) of the concatenation of `pieces` (nothing is copied); pieces
 * outside the range are left out, and so are empty ones.
 */
export function piecesRange(pieces: readonly Buffer[], from: number, to: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const piece of pieces) {
    const start = Math.max(from - at, 0);
    const end = Math.min(to - at, piece.length);
    if (start < end) out.push(start === 0 && end === piece.length ? piece : piece.subarray(start, end));
    at += piece.length;
    if (at >= to) break;
  }
  return out;
}

/** The bytes [from, to) of the concatenation of `pieces`: a view when they lie in one piece, else a copy. */
export function joinedRange(pieces: readonly Buffer[], from: number, to: number): Buffer {
  const range = piecesRange(pieces, from, to);
  return range.length === 1 ? range[0]! : Buffer.concat(range, to - from);
}
