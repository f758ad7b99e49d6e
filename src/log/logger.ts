/** Context bound to a logger: connection id, user, channel, plugin name. */
export interface LogBindings {
  readonly conn?: string;
  readonly user?: string;
  readonly chan?: number;
  readonly plugin?: string;
  readonly [key: string]: unknown;
}

/**
 * The logging interface every layer takes (a pino-compatible subset: an object of fields, then a
 * message). Library code never logs secrets: passwords, private keys, session keys, KEX secrets.
 */
export interface Logger {
  trace(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogBindings): Logger;
}

const noop = (): void => undefined;

/** A logger that discards everything (the library default). */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

/**
 * Makes peer-supplied text safe for a log line: control characters and non-ASCII bytes are
 * escaped, and the result is capped (security catalogue I7).
 */
export function sanitizeForLog(text: string, max = 256): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\x00-\x1f\x7f-\u{10ffff}]/gu, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
