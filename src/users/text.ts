/**
 * True when `s` contains a C0 control character (U+0000–U+001F), DEL (U+007F) or any character of
 * `extra`; a tab is allowed when `allowTab` is set.
 */
export function hasControlChars(s: string, extra = '', allowTab = false): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && !(allowTab && c === 0x09)) || c === 0x7f || extra.includes(ch)) return true;
  }
  return false;
}
