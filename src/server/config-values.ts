import type { PenaltySettings } from './penalties.js';
/**
 * Parsers for the value syntaxes sshd_config(5) uses, shared by the config schema: time intervals
 * (`1h30m`), sizes (`1G`), `RekeyLimit`, listen addresses and `PermitOpen`/`PermitListen` entries.
 * Each throws a {@link ConfigValueError} whose message completes "<key> ..." (e.g. "must be ...").
 */

import { ForwardingPolicyError, parsePermitEntry } from '../forwarding/policy.js';

/** A value in the config that does not parse; the message reads after the key's name. */
export class ConfigValueError extends Error {
  override readonly name = 'ConfigValueError';
}

const TIME_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses an sshd_config(5) "TIME FORMATS" value into seconds: a number, or a sequence of
 * `<n>[smhdw]` (`90`, `2m`, `1h30m`). Case-insensitive units.
 */
export function parseTimeSeconds(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw new ConfigValueError('must be a whole number of seconds or a time like "2m" or "1h30m"');
  }
  const text = value.trim().toLowerCase();
  if (!/^(\d+[smhdw]?)+$/.test(text))
    throw new ConfigValueError('must be a whole number of seconds or a time like "2m" or "1h30m"');
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhdw]?)/g)) total += Number(m[1]) * TIME_UNITS[m[2]!]!;
  return total;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

/** Parses a byte count with an optional `K`, `M` or `G` suffix (powers of 1024, as sshd_config). */
export function parseSize(value: string | number): number {
  const m = /^(\d+)([kmg]?)$/i.exec(String(value).trim());
  if (!m) throw new ConfigValueError('must be a size like "512M" or "1G"');
  return Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
}

/** `RekeyLimit` as parsed: undefined parts keep the cipher's default / no time limit. */
export interface RekeyLimitSetting {
  readonly bytes?: number;
  readonly seconds?: number;
}

/**
 * Parses OpenSSH `RekeyLimit` (sshd_config(5)): `<size> [<time>]`, where the size may be `default`
 * and the time `none`, e.g. `1G 1h`, `default 30m`, `default none`. OpenSSH's lower bound of 16
 * bytes applies.
 */
export function parseRekeyLimit(value: string | number): RekeyLimitSetting {
  const parts = String(value).trim().split(/\s+/);
  const expect = 'must be "<size> [<time>]", like "1G 1h" or "default none"';
  if (parts.length === 0 || parts.length > 2 || parts[0] === '') throw new ConfigValueError(expect);
  const [sizeText, timeText] = parts as [string, string | undefined];
  let bytes: number | undefined;
  if (sizeText.toLowerCase() !== 'default' && sizeText !== '0') {
    try {
      bytes = parseSize(sizeText);
    } catch {
      throw new ConfigValueError(expect);
    }
    if (bytes < 16) throw new ConfigValueError('must allow at least 16 bytes between key exchanges');
  }
  let seconds: number | undefined;
  if (timeText !== undefined && timeText.toLowerCase() !== 'none' && timeText !== '0') {
    try {
      seconds = parseTimeSeconds(timeText);
    } catch {
      throw new ConfigValueError(expect);
    }
  }
  return { ...(bytes === undefined ? {} : { bytes }), ...(seconds === undefined ? {} : { seconds }) };
}

/** Formats a {@link RekeyLimitSetting} as `sshd -T` prints it (`rekeylimit <bytes> <seconds>`, 0 = none). */
export function formatRekeyLimit(limit: RekeyLimitSetting): string {
  return `${limit.bytes ?? 0} ${limit.seconds ?? 0}`;
}

/** A host and port to listen on. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new ConfigValueError(`has a bad port "${text}" (use 0-65535)`);
  return Number(text);
}

/**
 * Parses a `ListenAddress` entry: `host`, `host:port`, `[v6]:port` or a bare IPv6 address; an
 * entry without a port takes `defaultPort`.
 */
export function parseListenAddress(text: string, defaultPort: number): ListenAddress {
  const s = text.trim();
  if (s === '') throw new ConfigValueError('has an empty address');
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracket)
    return { host: bracket[1]!, port: bracket[2] === undefined ? defaultPort : parsePort(bracket[2]) };
  const colons = s.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = s.split(':') as [string, string];
    if (host === '') throw new ConfigValueError(`has no host in "${s}"`);
    return { host, port: parsePort(port) };
  }
  return { host: s, port: defaultPort };
}

/**
 * Parses `metricsListen`: `host:port`, `[v6]:port`, or a port alone (on 127.0.0.1); `none` is no
 * endpoint. The port is required: there is no default to guess.
 */
export function parseMetricsListen(value: string | number): ListenAddress | undefined {
  if (value === 'none') return undefined;
  if (typeof value === 'number' || /^\d+$/.test(value))
    return { host: '127.0.0.1', port: parsePort(String(value)) };
  const address = parseListenAddress(value, -1);
  if (address.port < 0) throw new ConfigValueError(`needs a port, like "${value}:9120"`);
  return address;
}

/** Formats a listen address as `host:port` (`[v6]:port` for IPv6). */
export function formatListenAddress(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * Checks one `PermitOpen` entry (`host:port`, `[v6]:port`, `*` wildcards, or `any` / `none`) or, with
 * `listen`, one `PermitListen` entry (`port` or `host:port`) with the forwarding layer's own parser,
 * so the config accepts exactly what the server enforces. Returns the entry unchanged.
 */
export function checkPermitEntry(entry: string, listen: boolean): string {
  const s = entry.trim();
  if (s === 'any' || s === 'none') return s;
  try {
    parsePermitEntry(s, listen);
  } catch (err) {
    if (!(err instanceof ForwardingPolicyError)) throw err;
    const use = listen
      ? '"port", "host:port", "any" or "none"'
      : '"host:port", "[v6]:port", "*:port", "any" or "none"';
    throw new ConfigValueError(`has a bad entry "${s}" (use ${use})`);
  }
  return s;
}

/**
 * Parses OpenSSH's PerSourcePenalties: `yes`, `no`, or space-separated `name:value` settings
 * (`authfail:5s noauth:1s grace-exceeded:10s min:15s max:10m max-sources:65536`).
 */
export function parsePenalties(value: string | boolean): Partial<PenaltySettings> | false {
  if (value === false || value === 'no') return false;
  if (value === true || value === 'yes') return {};
  const out: Record<string, number> = {};
  const keys: Readonly<Record<string, keyof PenaltySettings>> = {
    authfail: 'authfail',
    noauth: 'noauth',
    'grace-exceeded': 'graceExceeded',
    min: 'min',
    max: 'max',
    'max-sources': 'maxSources',
  };
  for (const item of value.trim().split(/\s+/)) {
    const [name, setting] = item.split(':') as [string, string?];
    const key = keys[name];
    if (!key || setting === undefined) {
      throw new ConfigValueError(
        `has an unknown setting "${item.slice(0, 40)}" (use yes, no, or ${Object.keys(keys).join(':…, ')}:…)`,
      );
    }
    out[key] = key === 'maxSources' ? parseCount(setting) : parseTimeSeconds(setting);
  }
  return out as Partial<PenaltySettings>;
}

function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new ConfigValueError(`max-sources must be a whole number (got "${text}")`);
  return Number(text);
}
