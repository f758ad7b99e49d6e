import { describe, expect, it } from 'vitest';
import { matchWildcard } from '../../../src/util/wildcard.js';

describe('matchWildcard (OpenSSH match_pattern)', () => {
  it.each([
    ['local*', 'localhost', true],
    ['127.0.0.?', '127.0.0.1', true],
    ['127.0.0.?', '127.0.0.10', false],
    ['*', 'anything', true],
    ['*', '', true],
    ['b*', 'a', false],
    ['LC_*', 'LC_ALL', true],
    ['LC_*', 'LANG', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['', '', true],
    ['', 'x', false],
  ])('%j against %j is %s', (pattern, text, expected) => {
    expect(matchWildcard(pattern, text)).toBe(expected);
  });

  it('stays fast on patterns that would make a backtracking matcher explode', () => {
    const started = performance.now();
    expect(matchWildcard('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
