/** One path argument of an scp command; `glob` marks unquoted `*`, `?`, `[` in it. */
export interface ScpPath {
  readonly path: string;
  /** When set: a pattern for the last component, with `meta[i]` true for wildcard characters. */
  readonly glob?: { readonly pattern: string; readonly meta: readonly boolean[] };
}

/** A parsed `scp [-r] [-p] [-d] [-v] -t|-f [--] path...` command (the legacy scp protocol). */
export interface ScpCommand {
  /** `sink` (-t): the client uploads to us; `source` (-f): we send to the client. */
  readonly mode: 'sink' | 'source';
  readonly recursive: boolean;
  readonly preserve: boolean;
  /** -d: the target must be a directory (the client is sending several files). */
  readonly targetIsDir: boolean;
  readonly paths: readonly ScpPath[];
}

/** An exec command we refuse to run. The message is safe to show the client. */
export class ScpUsageError extends Error {
  override readonly name = 'ScpUsageError';
}

interface Word {
  text: string;
  meta: boolean[];
}

const FORBIDDEN = new Set([';', '&', '|', '<', '>', '(', ')', '$', '`', '{', '}', '\n', '\r', '\0']);

/**
 * Splits an exec command into words the way `sh` would for the commands OpenSSH's scp sends
 * (CVE-2019-6111 / CVE-2020-15778 are shells interpreting these): whitespace separates words,
 * quotes and backslashes quote, and anything a shell would act on (`;`, `|`, `$`, backquote,
 * redirections, subshells, braces, newlines) is refused rather than interpreted.
 */
export function tokenize(command: string): Word[] {
  const words: Word[] = [];
  let cur: Word | undefined;
  const push = (ch: string, meta: boolean): void => {
    cur ??= { text: '', meta: [] };
    cur.text += ch;
    cur.meta.push(meta);
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (ch === ' ' || ch === '\t') {
      if (cur) words.push(cur);
      cur = undefined;
    } else if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) throw new ScpUsageError('unterminated quote');
      cur ??= { text: '', meta: [] };
      for (const c of command.slice(i + 1, end)) push(c, false);
      i = end;
    } else if (ch === '"') {
      cur ??= { text: '', meta: [] };
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        let c = command[j]!;
        if (c === '$' || c === '`') throw new ScpUsageError('shell expansion is not supported');
        if (c === '\\' && j + 1 < command.length && '"\\$`'.includes(command[j + 1]!)) c = command[++j]!;
        if (c === '\0' || c === '\n') throw new ScpUsageError('control character in command');
        push(c, false);
      }
      if (j >= command.length) throw new ScpUsageError('unterminated quote');
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= command.length) throw new ScpUsageError('trailing backslash');
      const next = command[++i]!;
      if (next === '\n' || next === '\0') throw new ScpUsageError('control character in command');
      push(next, false);
    } else if (FORBIDDEN.has(ch) || (ch === '#' && !cur)) {
      throw new ScpUsageError(`shell syntax is not supported: ${JSON.stringify(ch)}`);
    } else {
      push(ch, ch === '*' || ch === '?' || ch === '[' || (ch === '~' && !cur));
    }
  }
  if (cur) words.push(cur);
  return words;
}

/**
 * Parses the exec command of a legacy-protocol scp (`scp -O`): `scp`, single-letter flags among
 * r, p, d, v and exactly one of t (sink) or f (source), an optional `--`, then paths (exactly one
 * for -t). A string is split as `sh` would (see {@link tokenize}); an argv array is taken literally.
 * Anything else is refused: no shell ever sees these bytes.
 */
export function parseScpCommand(input: string | readonly string[]): ScpCommand {
  const words: Word[] =
    typeof input === 'string'
      ? tokenize(input)
      : input.map((t) => ({ text: t, meta: [...t].map(() => false) }));
  if (words.length === 0 || words[0]!.text !== 'scp') throw new ScpUsageError('not an scp command');
  const flags = new Set<string>();
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!.text;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-') || w === '-') break;
    for (const f of w.slice(1)) {
      if (!'rpdvtf'.includes(f)) throw new ScpUsageError(`unsupported scp option -${f}`);
      flags.add(f);
    }
  }
  if (flags.has('t') === flags.has('f')) throw new ScpUsageError('scp needs exactly one of -t and -f');
  const mode = flags.has('t') ? 'sink' : 'source';
  const paths = words.slice(i).map(toScpPath);
  if (paths.length === 0) throw new ScpUsageError('scp needs a path');
  if (mode === 'sink' && paths.length !== 1) throw new ScpUsageError('ambiguous target');
  if (mode === 'sink' && paths[0]!.glob) throw new ScpUsageError('wildcards are not allowed in the target');
  return { mode, recursive: flags.has('r'), preserve: flags.has('p'), targetIsDir: flags.has('d'), paths };
}

function toScpPath(w: Word): ScpPath {
  if (w.text === '') throw new ScpUsageError('empty path');
  // A leading unquoted ~ is the home directory (expanded later, against the jail's home); a
  // quoted one is a literal file name, so it is made relative to keep it from being expanded.
  const tilde = w.text.startsWith('~') && w.meta[0] === true;
  if (w.text.startsWith('~') && !tilde) return { path: `./${w.text}` };
  const wildAt = (k: number): boolean => w.meta[k] === true && !(k === 0 && tilde);
  if (!w.meta.some((_, k) => wildAt(k))) return { path: w.text };
  const slash = w.text.lastIndexOf('/');
  for (let k = 0; k <= slash; k++) {
    if (wildAt(k)) throw new ScpUsageError('wildcards are only supported in the last path component');
  }
  return { path: w.text, glob: { pattern: w.text.slice(slash + 1), meta: w.meta.slice(slash + 1) } };
}

/** True when `name` matches a glob pattern (`*`, `?`, `[...]`); dot files need an explicit dot. */
export function globMatch(name: string, g: NonNullable<ScpPath['glob']>): boolean {
  let re = '^';
  const p = g.pattern;
  for (let k = 0; k < p.length; k++) {
    const ch = p[k]!;
    if (!g.meta[k]) re += ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else {
      const end = p.indexOf(']', k + 2);
      if (end === -1) re += '\\[';
      else {
        let body = p.slice(k + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body}]`;
        k = end;
      }
    }
  }
  if (name.startsWith('.') && !(p.startsWith('.') && !g.meta[0])) return false;
  return new RegExp(re + '$', 'u').test(name);
}
