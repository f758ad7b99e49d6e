import { basename } from 'node:path';
import type { ConnectionInfo } from '../auth/types.js';
import { matchWildcard } from '../util/wildcard.js';

/** The PATH of every session (never the server's own). */
export const DEFAULT_SESSION_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Most variables a client may set on one channel (OpenSSH refuses past 128 as well). */
export const MAX_CLIENT_ENV = 128;
/** Longest variable name and value we accept from a client. */
export const MAX_ENV_NAME = 256;
export const MAX_ENV_VALUE = 32 * 1024;

/**
 * Names that neither a client (`env`, whatever `acceptEnv` says) nor an authorized_keys
 * `environment=` may set: identity, the session's own variables, and loader/interpreter hooks.
 */
const RESERVED =
  /^(?:HOME|USER|LOGNAME|SHELL|PATH|TERM|MAIL|IFS|ENV|BASH_ENV|SHELLOPTS|BASHOPTS|NODE_OPTIONS|SSH_.*|LD_.*|DYLD_.*|__proto__)$/;

/** Portable environment variable names (POSIX: letters, digits, underscore, not a digit first). */
const PORTABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why an environment variable was refused (for debug logs). */
export type EnvRefusal = 'bad-name' | 'reserved' | 'not-accepted' | 'bad-value';

/**
 * Matches `name` against OpenSSH-style patterns (`*` any run, `?` one character), as sshd's
 * AcceptEnv does; a match with any pattern accepts.
 */
export function matchesEnvPattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchWildcard(p, name));
}

/** Checks a variable from an `env` request; undefined when it may be set. */
export function checkClientEnv(
  name: string,
  value: string,
  acceptEnv: readonly string[],
): EnvRefusal | undefined {
  const refusal = checkEnvEntry(name, value);
  if (refusal) return refusal;
  return matchesEnvPattern(name, acceptEnv) ? undefined : 'not-accepted';
}

/** Checks a variable's name and value, whatever its source. */
export function checkEnvEntry(name: string, value: string): EnvRefusal | undefined {
  if (name.length === 0 || name.length > MAX_ENV_NAME || !PORTABLE_NAME.test(name)) return 'bad-name';
  if (RESERVED.test(name)) return 'reserved';
  if (value.length > MAX_ENV_VALUE || value.includes('\0')) return 'bad-value';
  return undefined;
}

/** An address as OpenSSH prints it in SSH_CONNECTION (IPv4-mapped IPv6 shown as IPv4). */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** What the child environment is built from. */
export interface ChildEnvInput {
  readonly user: { readonly name: string; readonly home: string };
  readonly shell: string;
  readonly path: string;
  readonly connection: ConnectionInfo;
  /** TERM, when a pty was requested. */
  readonly term?: string;
  /** Accepted `env` variables from the client. */
  readonly clientEnv: Readonly<Record<string, string>>;
  /** authorized_keys `environment=` entries, when the server permits them. */
  readonly userEnvironment: readonly { readonly name: string; readonly value: string }[];
  /** SSH_ORIGINAL_COMMAND, with a forced command. */
  readonly originalCommand?: string;
  /** Variables set by the server's session request handlers (SSH_AUTH_SOCK); beat client ones. */
  readonly serverEnv?: Readonly<Record<string, string>>;
}

/**
 * The environment of a session's process, built from scratch (never from the server's own
 * `process.env`, which may hold secrets): accepted client variables and permitted `environment=`
 * entries first, then the variables a session always sets, which nothing can override. SSH_TTY
 * is added by the pty launcher, which learns the terminal's name only once it exists.
 */
export function buildChildEnv(input: ChildEnvInput): Record<string, string> {
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(input.clientEnv)) env[name] = value;
  for (const { name, value } of input.userEnvironment) {
    if (checkEnvEntry(name, value) === undefined) env[name] = value;
  }
  Object.assign(env, input.serverEnv);
  const c = input.connection;
  const remote = plainAddress(c.remoteAddress);
  Object.assign(env, {
    HOME: input.user.home,
    USER: input.user.name,
    LOGNAME: input.user.name,
    SHELL: input.shell,
    PATH: input.path,
    SSH_CLIENT: `${remote} ${c.remotePort} ${c.localPort}`,
    SSH_CONNECTION: `${remote} ${c.remotePort} ${plainAddress(c.localAddress)} ${c.localPort}`,
  });
  if (input.term !== undefined) env.TERM = input.term;
  if (input.originalCommand !== undefined) env.SSH_ORIGINAL_COMMAND = input.originalCommand;
  return env;
}

/** argv[0] for a shell: `-sh` for a login shell, `sh` for `sh -c` (as sshd does). */
export function shellArgv0(shell: string, login: boolean): string {
  const base = basename(shell) || 'sh';
  return login ? `-${base}` : base;
}
