import { describe, expect, it } from 'vitest';
import { clampSize, isValidTerm, MAX_COLS, MAX_PIXELS, MAX_ROWS } from '../../../src/session/size.js';

describe('terminal sizes and TERM', () => {
  it('clamps 2^32-1 and defaults zero', () => {
    const max = 0xffffffff;
    expect(clampSize({ cols: max, rows: max, widthPx: max, heightPx: max })).toEqual({
      cols: MAX_COLS,
      rows: MAX_ROWS,
      widthPx: MAX_PIXELS,
      heightPx: MAX_PIXELS,
    });
    expect(clampSize({ cols: 0, rows: 0, widthPx: 0, heightPx: 0 })).toEqual({
      cols: 80,
      rows: 24,
      widthPx: 0,
      heightPx: 0,
    });
    expect(clampSize({ cols: 132, rows: 43, widthPx: 800, heightPx: 600 })).toEqual({
      cols: 132,
      rows: 43,
      widthPx: 800,
      heightPx: 600,
    });
  });

  it('accepts ordinary TERM values only', () => {
    for (const t of ['xterm-256color', 'screen.xterm-256color', 'vt100', 'rxvt-unicode+x', ''])
      expect(isValidTerm(t), t).toBe(true);
    for (const t of ['x'.repeat(129), 'xterm;id', 'a b', 'x\n', '$(id)'])
      expect(isValidTerm(t), t).toBe(false);
  });
});
