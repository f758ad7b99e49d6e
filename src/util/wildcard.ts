/**
 * Matches `text` against a wildcard pattern where `*` is any run of characters and `?` exactly
 * one (OpenSSH's match_pattern; ssh_config(5) PATTERNS). Iterative with a single backtrack
 * point, so a hostile pattern or text cannot make it exponential, and no regex is built from input.
 */
export function matchWildcard(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
