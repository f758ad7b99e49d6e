/** Levenshtein edit distance between two strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word` for a "did you mean" hint: a case-insensitive or
 * punctuation-insensitive match first (`MaxAuthTries` → `maxAuthTries`, `max_auth_tries` too),
 * then the shortest candidate that extends the word (`aes256-gcm` → `aes256-gcm@openssh.com`), else the nearest within about a third of the word's length; undefined when nothing is close.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[-_. ]/g, '');
  const folded = candidates.find((c) => fold(c) === fold(word));
  if (folded !== undefined) return folded;
  // A name missing its suffix (`aes256-gcm` for `aes256-gcm@openssh.com`): the shortest extension.
  const extended = candidates
    .filter((c) => fold(c).startsWith(fold(word)) && word.length >= 3)
    .sort((a, b) => a.length - b.length)[0];
  if (extended !== undefined) return extended;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(fold(word), fold(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
