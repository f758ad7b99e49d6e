/**
 * Keeping secrets out of logs (style study §2.6): passwords, passphrases, private keys, session
 * keys and KEX secrets never reach a log line, whatever a caller passes by mistake.
 */

/** Field paths pino's own `redact` censors (fast path for the common names, one level deep). */
export const REDACT_PATHS: readonly string[] = [
  'password',
  'passphrase',
  'secret',
  'privateKey',
  'sessionKey',
  'sharedSecret',
  'keyObject',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.privateKey',
  '*.sessionKey',
  '*.sharedSecret',
  '*.keyObject',
];

/** Field names whose values are secrets wherever they appear. */
const SECRET_NAME =
  /pass(word|phrase|wd)|secret|private.?key|session.?key|key.?object|shared.?key|^(k|h|iv|mac.?key|enc.?key)$|token|cookie/i;

/** Text that is (or contains) a private key file. */
const PRIVATE_KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Integers this large are keys or shared secrets, never counters or offsets. */
const SECRET_SIZED_BIGINT = 1n << 128n;

const MAX_DEPTH = 6;

function clean(value: unknown, depth: number): unknown {
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (typeof value === 'string') return PRIVATE_KEY_TEXT.test(value) ? '[redacted private key]' : value;
  if (typeof value === 'bigint')
    return value >= SECRET_SIZED_BIGINT || value <= -SECRET_SIZED_BIGINT ? '[redacted]' : value;
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    // Class instances (a KeyObject, a socket...) are not log material: name them only.
    const name = (value as object).constructor?.name ?? 'object';
    return `[${name}]`;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_NAME.test(k) ? '[redacted]' : clean(v, depth + 1);
  return out;
}

/**
 * Returns a copy of a log object that is safe to write: fields named like secrets censored, byte
 * arrays replaced by their length, private key text and secret-sized integers removed, and class
 * instances other than errors replaced by their class name.
 */
export function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return clean(object, 0) as Record<string, unknown>;
}
