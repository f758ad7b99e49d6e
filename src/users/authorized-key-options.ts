import { AuthorizedKeyError } from './errors.js';
import { parsePatternList, type HostPattern } from './host-patterns.js';
import { hasControlChars } from './text.js';

/** A `host:port` from `permitopen=` or `[host:]port` from `permitlisten=`; port `'*'` is any port. */
export interface HostPort {
  /** Literal host (brackets removed from IPv6); `undefined` for a bare `permitlisten="port"`. */
  readonly host?: string;
  readonly port: number | '*';
}

/** One `environment="NAME=value"` option. */
export interface EnvironmentEntry {
  readonly name: string;
  readonly value: string;
}

/**
 * The options of one `authorized_keys` line (sshd(8) AUTHORIZED_KEYS FILE FORMAT), already resolved
 * into effective permissions: `restrict` and the `no-*` flags have been applied in order.
 */
export interface AuthorizedKeyOptions {
  /** `restrict` appeared (everything off unless re-enabled later on the line). */
  readonly restrict: boolean;
  readonly pty: boolean;
  readonly portForwarding: boolean;
  readonly agentForwarding: boolean;
  readonly x11Forwarding: boolean;
  readonly userRc: boolean;
  /** `command="…"`: the only command this key may run. */
  readonly command?: string;
  /** `from="pattern-list"`: the client must match (see `matchPatternList`). */
  readonly from?: readonly HostPattern[];
  /** The `from=` list as written, for display. */
  readonly fromText?: string;
  readonly permitOpen: readonly HostPort[];
  readonly permitListen: readonly HostPort[];
  /** `environment=` entries, first one wins for a repeated name (as sshd). */
  readonly environment: readonly EnvironmentEntry[];
  /** `expiry-time=`: the key is refused from this instant on (earliest wins if repeated). */
  readonly expiryTime?: Date;
  /** `principals=`: on a `cert-authority` line, the certificate principals it accepts. */
  readonly principals?: readonly string[];
  /** `cert-authority`: the key is a CA whose user certificates log in; never a key of its own. */
  readonly certAuthority: boolean;
  /** `tunnel="n"` (parsed only). */
  readonly tunnel?: number;
  /** `no-touch-required`: a security key's signature is taken without a touch (user presence). */
  readonly noTouchRequired: boolean;
  /** `verify-required`: a security key must have verified the user (a PIN or biometric). */
  readonly verifyRequired: boolean;
}

/** The options of a line that has none: everything permitted, as sshd's defaults. */
export const DEFAULT_KEY_OPTIONS: AuthorizedKeyOptions = Object.freeze({
  restrict: false,
  pty: true,
  portForwarding: true,
  agentForwarding: true,
  x11Forwarding: true,
  userRc: true,
  permitOpen: Object.freeze([]),
  permitListen: Object.freeze([]),
  environment: Object.freeze([]),
  certAuthority: false,
  noTouchRequired: false,
  verifyRequired: false,
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// A Map, not an object literal: an option named "constructor" must not find Object.prototype's.
type Flag = (o: Mutable<AuthorizedKeyOptions>) => void;
const FLAGS: ReadonlyMap<string, Flag> = new Map<string, Flag>([
  [
    'restrict',
    (o) => {
      o.restrict = true;
      o.pty = o.portForwarding = o.agentForwarding = o.x11Forwarding = o.userRc = false;
    },
  ],
  ['cert-authority', (o) => void (o.certAuthority = true)],
  ['pty', (o) => void (o.pty = true)],
  ['no-pty', (o) => void (o.pty = false)],
  ['port-forwarding', (o) => void (o.portForwarding = true)],
  ['no-port-forwarding', (o) => void (o.portForwarding = false)],
  ['agent-forwarding', (o) => void (o.agentForwarding = true)],
  ['no-agent-forwarding', (o) => void (o.agentForwarding = false)],
  ['x11-forwarding', (o) => void (o.x11Forwarding = true)],
  ['no-x11-forwarding', (o) => void (o.x11Forwarding = false)],
  ['user-rc', (o) => void (o.userRc = true)],
  ['no-user-rc', (o) => void (o.userRc = false)],
  ['touch-required', (o) => void (o.noTouchRequired = false)],
  ['no-touch-required', (o) => void (o.noTouchRequired = true)],
  ['verify-required', (o) => void (o.verifyRequired = true)],
]);

const VALUED = [
  'command',
  'from',
  'permitopen',
  'permitlisten',
  'environment',
  'expiry-time',
  'principals',
  'tunnel',
];

function fail(message: string): never {
  throw new AuthorizedKeyError(`authorized_keys: ${message}`);
}

function parsePort(text: string, what: string): number | '*' {
  if (text === '*') return '*';
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535)
    fail(`${what}: bad port "${text}"`);
  return Number(text);
}

function parseHostPort(text: string, what: string, hostOptional: boolean): HostPort {
  let host: string | undefined;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') fail(`${what}: expected "[address]:port", got "${text}"`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) {
      if (!hostOptional) fail(`${what}: expected "host:port", got "${text}"`);
      portText = text;
    } else {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
      if (host.includes(':')) fail(`${what}: put an IPv6 address in brackets, as "[${host}]:${portText}"`);
    }
  }
  if (host !== undefined && (host === '' || hasControlChars(host, ' ')))
    fail(`${what}: bad host in "${text}"`);
  const port = parsePort(portText, what);
  return host === undefined ? { port } : { host, port };
}

/** Parse `YYYYMMDD[HHMM[SS]][Z]` as sshd's `expiry-time=` does: local time unless it ends in `Z`. */
function parseExpiry(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/.exec(text);
  if (m === null) fail(`expiry-time: expected YYYYMMDD[HHMM[SS]][Z], got "${text}"`);
  const [y, mo, d, h = 0, mi = 0, s = 0] = m
    .slice(1, 7)
    .map((x) => (x === undefined ? undefined : Number(x)));
  const fields = [y!, mo! - 1, d!, h!, mi!, s!] as const;
  const date = m[7] === 'Z' ? new Date(Date.UTC(...fields)) : new Date(...fields);
  const back =
    m[7] === 'Z'
      ? [
          date.getUTCFullYear(),
          date.getUTCMonth(),
          date.getUTCDate(),
          date.getUTCHours(),
          date.getUTCMinutes(),
        ]
      : [date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes()];
  if (back.some((v, i) => v !== fields[i]) || s! > 59)
    fail(`expiry-time: "${text}" is not a valid date and time`);
  return date;
}

function applyValued(o: Mutable<AuthorizedKeyOptions>, name: string, value: string): void {
  switch (name) {
    case 'command':
      if (o.command !== undefined) fail('"command" given twice');
      o.command = value;
      return;
    case 'from':
      if (o.from !== undefined) fail('"from" given twice');
      o.from = parsePatternList(value);
      o.fromText = value;
      return;
    case 'permitopen':
      o.permitOpen = [...o.permitOpen, parseHostPort(value, 'permitopen', false)];
      return;
    case 'permitlisten':
      o.permitListen = [...o.permitListen, parseHostPort(value, 'permitlisten', true)];
      return;
    case 'environment': {
      const eq = value.indexOf('=');
      const envName = value.slice(0, eq);
      if (eq <= 0 || !/^[A-Za-z0-9_]+$/.test(envName))
        fail(`environment: expected "NAME=value", got "${value}"`);
      if (!o.environment.some((e) => e.name === envName)) {
        o.environment = [...o.environment, { name: envName, value: value.slice(eq + 1) }];
      }
      return;
    }
    case 'expiry-time': {
      const at = parseExpiry(value);
      if (o.expiryTime === undefined || at < o.expiryTime) o.expiryTime = at;
      return;
    }
    case 'principals':
      if (o.principals !== undefined) fail('"principals" given twice');
      if (value === '' || value.split(',').some((p) => p === '')) fail('principals: empty principal name');
      o.principals = value.split(',');
      return;
    case 'tunnel':
      if (!/^\d{1,10}$/.test(value) || Number(value) > 0x7fffffff)
        fail(`tunnel: bad device number "${value}"`);
      o.tunnel = Number(value);
      return;
  }
}

/** Read a double-quoted value starting at `s[i] === '"'`; only `\"` is an escape (as sshd). */
function readQuoted(s: string, i: number, name: string): { value: string; end: number } {
  let value = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === '"') return { value, end: j + 1 };
    if (c === '\\' && s[j + 1] === '"') {
      value += '"';
      j++;
    } else {
      value += c;
    }
  }
  fail(`option "${name}" has an unterminated quoted value`);
}

/** What {@link parseKeyOptions} found at the start of a line. */
export interface ParsedKeyOptions {
  readonly options: AuthorizedKeyOptions;
  /** The options exactly as written (no surrounding whitespace); '' when there were none. */
  readonly text: string;
  /** The rest of the line after the options and the whitespace that ends them. */
  readonly rest: string;
}

/**
 * Parse the comma-separated options at the start of an `authorized_keys` line, ending at the first
 * whitespace outside quotes (sshd(8) AUTHORIZED_KEYS FILE FORMAT). Option names are
 * case-insensitive; valued options need a double-quoted value; unknown options, repeated
 * `command`/`from`/`principals`, a trailing comma and malformed values throw
 * {@link AuthorizedKeyError}.
 */
export function parseKeyOptions(line: string): ParsedKeyOptions {
  const o: Mutable<AuthorizedKeyOptions> = { ...DEFAULT_KEY_OPTIONS };
  let i = 0;
  for (;;) {
    const nameMatch = /^[A-Za-z0-9-]*/.exec(line.slice(i))![0];
    const name = nameMatch.toLowerCase();
    if (name === '') fail(`expected an option name at column ${i + 1}`);
    i += nameMatch.length;
    if (line[i] === '=') {
      if (!VALUED.includes(name))
        fail(FLAGS.has(name) ? `option "${name}" takes no value` : `unknown option "${name}"`);
      if (line[i + 1] !== '"') fail(`option "${name}" needs a double-quoted value`);
      const { value, end } = readQuoted(line, i + 1, name);
      applyValued(o, name, value);
      i = end;
    } else {
      const flag = FLAGS.get(name);
      if (flag === undefined)
        fail(VALUED.includes(name) ? `option "${name}" needs a value` : `unknown option "${name}"`);
      flag(o);
    }
    const c = line[i];
    if (c === undefined || /\s/.test(c)) break;
    if (c !== ',') fail(`unexpected "${c}" after option "${name}"`);
    i++;
    if (i >= line.length || /\s/.test(line[i]!)) fail('a comma ends the options');
  }
  return { options: Object.freeze(o), text: line.slice(0, i), rest: line.slice(i).trimStart() };
}
