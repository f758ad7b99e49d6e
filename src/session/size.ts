import type { TerminalSize } from './types.js';

/** Largest terminal we pass on: columns and rows (a handler may allocate cols x rows cells). */
export const MAX_COLS = 2048;
export const MAX_ROWS = 1024;
/** Largest pixel dimension (the kernel's winsize holds 16 bits). */
export const MAX_PIXELS = 0xffff;
/** The size used when the client sends 0 columns or rows (RFC 4254 §6.2: zero means "not given"). */
export const DEFAULT_SIZE: TerminalSize = { cols: 80, rows: 24, widthPx: 0, heightPx: 0 };

/** Longest TERM value accepted in `pty-req`. */
export const MAX_TERM_LENGTH = 128;

/**
 * Clamps a `pty-req` or `window-change` size (RFC 4254 §6.2, §6.7): values up to 2^32-1 become
 * at most {@link MAX_COLS} x {@link MAX_ROWS}, so nothing is ever sized by the client's numbers.
 */
export function clampSize(size: {
  cols: number;
  rows: number;
  widthPx: number;
  heightPx: number;
}): TerminalSize {
  return {
    cols: size.cols === 0 ? DEFAULT_SIZE.cols : Math.min(size.cols, MAX_COLS),
    rows: size.rows === 0 ? DEFAULT_SIZE.rows : Math.min(size.rows, MAX_ROWS),
    widthPx: Math.min(size.widthPx, MAX_PIXELS),
    heightPx: Math.min(size.heightPx, MAX_PIXELS),
  };
}

/** A TERM value we pass to a process: empty, or a short run of letters, digits and `._+-`. */
export function isValidTerm(term: string): boolean {
  return term.length <= MAX_TERM_LENGTH && /^[A-Za-z0-9._+-]*$/.test(term);
}
