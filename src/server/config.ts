import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { ZodIssue } from 'zod';
import { ANY_AUTH_METHOD, type AuthChain } from '../users/auth-methods.js';
import {
  CONFIG_KEYS,
  configFileSchema,
  LOG_LEVELS,
  type ConfigFile,
  type LogLevel,
  type Profile,
} from './config-schema.js';
import { isPathSpec } from '../plugins/resolve.js';
import { closestMatch } from './config-suggest.js';
import type { ListenAddress, RekeyLimitSetting } from './config-values.js';
import { DEFAULT_MAX_STARTUPS, type MaxStartups } from './max-startups.js';
import { DEFAULT_PENALTIES, type PenaltySettings } from './penalties.js';

/** The config file name looked for in the data directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'config.yaml';

/** A bad config file or value, as one line: `<file>: <key> <what is wrong> (got <value>)`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A plugin to load: a file path or an npm package name, with its own options. */
export interface PluginSpec {
  readonly path: string;
  /** Start even when the plugin cannot be loaded (logged as a warning). */
  readonly optional: boolean;
  readonly options: Readonly<Record<string, unknown>>;
}

/** Where logs go and how they look. */
export interface LogSettings {
  readonly level: LogLevel;
  /** Undefined: pretty when the log stream is a terminal, else JSON. */
  readonly format: 'json' | 'pretty' | undefined;
  /** A file to append to; undefined means stdout (stderr with `--stdio`). */
  readonly file: string | undefined;
}

/** The effective configuration of `sshd-kit serve`: defaults < config file < command-line flags. */
export interface ServeConfig {
  readonly port: number;
  readonly listenAddress: readonly string[];
  /** Host key files; undefined: the data directory's `ssh_host_*_key` (generated when missing). */
  readonly hostKeys: readonly string[] | undefined;
  /** Algorithm lists in sshd_config syntax; undefined: the profile's defaults. */
  readonly kexAlgorithms: string | readonly string[] | undefined;
  readonly hostKeyAlgorithms: string | readonly string[] | undefined;
  readonly ciphers: string | readonly string[] | undefined;
  readonly macs: string | readonly string[] | undefined;
  readonly compression: string | readonly string[] | undefined;
  readonly pubkeyAcceptedAlgorithms: string | readonly string[] | undefined;
  /** Algorithms a CA may sign user certificates with; undefined: the profile's plain signature algorithms. */
  readonly caSignatureAlgorithms: string | readonly string[] | undefined;
  /** Host certificate files (`-cert.pub` of host keys); empty: none. */
  readonly hostCertificates: readonly string[];
  /** A file of CA keys trusted to certify users (TrustedUserCAKeys); undefined: none. */
  readonly trustedUserCAKeys: string | undefined;
  /** A KRL or a file of public keys refused for login (RevokedKeys); undefined: none. */
  readonly revokedKeys: string | undefined;
  /** What every security key's signature needs (PubkeyAuthOptions); empty: none. */
  readonly pubkeyAuthOptions: readonly ('touch-required' | 'verify-required')[];
  readonly acceptEnv: readonly string[];
  readonly maxAuthTries: number;
  /** Seconds. */
  readonly loginGraceTime: number;
  readonly maxSessions: number;
  readonly maxStartups: MaxStartups;
  /** Per-source penalty settings (OpenSSH PerSourcePenalties); false: off. */
  readonly perSourcePenalties: Partial<PenaltySettings> | false;
  /** Sources never penalised (OpenSSH PerSourcePenaltyExemptList). */
  readonly perSourcePenaltyExemptList: string;
  /** Proxies that send a PROXY protocol header first (a pattern-list); undefined: none. */
  readonly proxyProtocolFrom: string | undefined;
  /** Where to serve Prometheus metrics (`GET /metrics`); undefined: nowhere. */
  readonly metricsListen: ListenAddress | undefined;
  /** Seconds; 0 turns the keepalive off. */
  readonly clientAliveInterval: number;
  readonly clientAliveCountMax: number;
  readonly allowTcpForwarding: 'yes' | 'no' | 'local' | 'remote';
  readonly allowStreamLocalForwarding: 'yes' | 'no' | 'local' | 'remote';
  readonly allowAgentForwarding: boolean;
  readonly permitOpen: readonly string[];
  readonly permitListen: readonly string[];
  readonly gatewayPorts: 'yes' | 'no' | 'clientspecified';
  readonly subsystems: Readonly<Record<string, string>>;
  readonly rekeyLimit: RekeyLimitSetting;
  /** A file whose text is sent before authentication; undefined: none. */
  readonly banner: string | undefined;
  readonly authenticationMethods: readonly AuthChain[];
  readonly plugins: readonly PluginSpec[];
  readonly shell: string;
  readonly log: LogSettings;
  readonly profile: Profile;
  /** Where default home directories go (`<homesDir>/<user>`). */
  readonly homesDir: string;
}

/** What the command line may override (each wins over the file). */
export interface ConfigOverrides {
  readonly port?: number;
  readonly listenAddress?: readonly string[];
  /** Appended to the file's plugins. */
  readonly plugins?: readonly string[];
  readonly logLevel?: LogLevel;
  readonly logFormat?: 'json' | 'pretty';
  readonly logFile?: string;
  readonly profile?: Profile;
}

/** The built-in defaults (OpenSSH's where a key has an sshd_config twin), for a data directory. */
export function defaultConfig(dataDir: string): ServeConfig {
  return {
    port: 2222,
    listenAddress: ['0.0.0.0'],
    hostKeys: undefined,
    kexAlgorithms: undefined,
    hostKeyAlgorithms: undefined,
    ciphers: undefined,
    macs: undefined,
    compression: undefined,
    pubkeyAcceptedAlgorithms: undefined,
    caSignatureAlgorithms: undefined,
    hostCertificates: [],
    trustedUserCAKeys: undefined,
    revokedKeys: undefined,
    pubkeyAuthOptions: [],
    acceptEnv: [],
    maxAuthTries: 6,
    loginGraceTime: 120,
    maxSessions: 10,
    maxStartups: DEFAULT_MAX_STARTUPS,
    perSourcePenalties: {},
    perSourcePenaltyExemptList: DEFAULT_PENALTIES.exempt,
    proxyProtocolFrom: undefined,
    metricsListen: undefined,
    clientAliveInterval: 0,
    clientAliveCountMax: 3,
    allowTcpForwarding: 'yes',
    allowStreamLocalForwarding: 'yes',
    allowAgentForwarding: true,
    permitOpen: ['any'],
    permitListen: ['any'],
    gatewayPorts: 'no',
    subsystems: { sftp: 'internal-sftp' },
    rekeyLimit: {},
    banner: undefined,
    authenticationMethods: ANY_AUTH_METHOD,
    plugins: [],
    shell: '/bin/sh',
    log: { level: 'info', format: undefined, file: undefined },
    profile: 'default',
    homesDir: join(dataDir, 'homes'),
  };
}

const SSHD_NAMES: Readonly<Record<string, string>> = {
  loglevel: 'log.level',
  syslogfacility: 'log.file',
  pubkeyacceptedkeytypes: 'pubkeyAcceptedAlgorithms',
  hostkey: 'hostKeys',
  hostcertificate: 'hostCertificates',
  subsystem: 'subsystems',
  plugin: 'plugins',
  permitopens: 'permitOpen',
};

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** One issue as a sentence: `maxAuthTries must be a positive integer (got "six")`. */
function describeIssue(issue: ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length === 0 ? '' : ` in ${pathText(issue.path)}`;
    const known = issue.path.length === 0 ? CONFIG_KEYS : undefined;
    return issue.keys
      .map((key) => {
        const hint = SSHD_NAMES[key.toLowerCase()] ?? (known ? closestMatch(key, known) : undefined);
        return `unknown key "${key}"${where}` + (hint === undefined ? '' : ` (did you mean "${hint}"?)`);
      })
      .join('; ');
  }
  const key = pathText(issue.path);
  const value = valueAt(input, issue.path);
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${key} ${issue.message}`;
  return `${key} ${issue.message} (got ${show(value)})`;
}

/** Parses and validates config file text; `source` names the file in errors. */
export function parseConfigText(text: string, source: string): ConfigFile {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const bad = doc.errors[0];
  if (bad) {
    const line = bad.linePos?.[0]?.line;
    const message = bad.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${source}: ${line === undefined ? '' : `line ${line}: `}${message}`);
  }
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${source}: must be a mapping of keys to values (like "port: 2222")`);
  }
  const r = configFileSchema.safeParse(data);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => describeIssue(i, data));
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  throw new ConfigError(`${source}: ${issues.slice(0, 3).join('; ')}${more}`);
}

/** Where the config came from. */
export interface LoadedConfigFile {
  readonly path: string;
  /** False when the default file does not exist (defaults apply). */
  readonly found: boolean;
  readonly file: ConfigFile;
}

/**
 * Reads the config file: `explicitPath` (which must exist), else `<dataDir>/config.yaml` when
 * present. YAML 1.2, so JSON works too.
 */
export async function loadConfigFile(
  dataDir: string,
  explicitPath: string | undefined,
): Promise<LoadedConfigFile> {
  const path = resolve(explicitPath ?? join(dataDir, DEFAULT_CONFIG_FILE));
  const shown = explicitPath ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicitPath === undefined) return { path, found: false, file: {} };
    if (code === 'ENOENT') throw new ConfigError(`${shown}: no such file (check --config)`);
    throw new ConfigError(`${shown}: cannot read it (${(err as Error).message})`);
  }
  return { path, found: true, file: parseConfigText(text, shown) };
}

/** A plugin entry that names a path relative to somewhere (not a package, not absolute, not ~). */
const isRelativePluginPath = (p: string) => isPathSpec(p) && !isAbsolute(p) && !/^~([\\/]|$)/.test(p);

function pluginSpec(entry: NonNullable<ConfigFile['plugins']>[number]): PluginSpec {
  return typeof entry === 'string'
    ? { path: entry, optional: false, options: {} }
    : { path: entry.path, optional: entry.optional ?? false, options: entry.options ?? {} };
}

/**
 * The effective config: defaults < file < overrides. Relative paths in the file (`hostKeys`,
 * `hostCertificates`, `trustedUserCAKeys`, `revokedKeys`, `banner`, `log.file`, `homesDir`) are
 * taken relative to the file's directory.
 */
export function mergeConfig(
  dataDir: string,
  loaded: Pick<LoadedConfigFile, 'path' | 'file'>,
  overrides: ConfigOverrides = {},
): ServeConfig {
  const d = defaultConfig(dataDir);
  const f = loaded.file;
  const base = dirname(loaded.path);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const pick = <K extends keyof ConfigFile & keyof ServeConfig>(k: K): ServeConfig[K] =>
    (f[k] ?? d[k]) as ServeConfig[K];
  return {
    ...d,
    port: overrides.port ?? f.port ?? d.port,
    listenAddress: overrides.listenAddress?.length
      ? overrides.listenAddress
      : (f.listenAddress ?? d.listenAddress),
    hostKeys: f.hostKeys?.map(abs),
    kexAlgorithms: f.kexAlgorithms,
    hostKeyAlgorithms: f.hostKeyAlgorithms,
    ciphers: f.ciphers,
    macs: f.macs,
    compression: compressionList(f.compression),
    pubkeyAcceptedAlgorithms: f.pubkeyAcceptedAlgorithms,
    caSignatureAlgorithms: f.caSignatureAlgorithms,
    hostCertificates: (f.hostCertificates ?? d.hostCertificates).map(abs),
    trustedUserCAKeys: optionalPath(f.trustedUserCAKeys, abs),
    revokedKeys: optionalPath(f.revokedKeys, abs),
    pubkeyAuthOptions: (f.pubkeyAuthOptions ?? []).filter((o) => o !== 'none'),
    acceptEnv: pick('acceptEnv'),
    maxAuthTries: pick('maxAuthTries'),
    loginGraceTime: pick('loginGraceTime'),
    maxSessions: pick('maxSessions'),
    maxStartups: pick('maxStartups'),
    perSourcePenalties: pick('perSourcePenalties'),
    perSourcePenaltyExemptList:
      f.perSourcePenaltyExemptList === 'none' ? '' : pick('perSourcePenaltyExemptList'),
    proxyProtocolFrom: f.proxyProtocolFrom === 'none' ? undefined : f.proxyProtocolFrom,
    metricsListen: f.metricsListen,
    clientAliveInterval: pick('clientAliveInterval'),
    clientAliveCountMax: pick('clientAliveCountMax'),
    allowTcpForwarding: pick('allowTcpForwarding'),
    allowStreamLocalForwarding: pick('allowStreamLocalForwarding'),
    allowAgentForwarding: pick('allowAgentForwarding'),
    permitOpen: pick('permitOpen'),
    permitListen: pick('permitListen'),
    gatewayPorts: pick('gatewayPorts'),
    subsystems: f.subsystems ? { ...f.subsystems } : d.subsystems,
    rekeyLimit: pick('rekeyLimit'),
    banner: optionalPath(f.banner, abs),
    authenticationMethods: pick('authenticationMethods'),
    plugins: [
      // A relative plugin path in the file is relative to the file; flags stay relative to the cwd.
      ...(f.plugins ?? [])
        .map(pluginSpec)
        .map((p) => (isRelativePluginPath(p.path) ? { ...p, path: abs(p.path) } : p)),
      ...(overrides.plugins ?? []).map((p) => pluginSpec(p)),
    ],
    shell: pick('shell'),
    log: {
      level: overrides.logLevel ?? f.log?.level ?? d.log.level,
      format: overrides.logFormat ?? f.log?.format,
      file: overrides.logFile ?? (f.log?.file === undefined ? undefined : abs(f.log.file)),
    },
    profile: overrides.profile ?? f.profile ?? d.profile,
    homesDir: f.homesDir === undefined ? d.homesDir : abs(f.homesDir),
  };
}

/** A file path key, where sshd_config's `none` means no file. */
function optionalPath(value: string | undefined, abs: (p: string) => string): string | undefined {
  return value === undefined || value === 'none' ? undefined : abs(value);
}

/** sshd_config `Compression yes|delayed|no`, or a list of compression algorithms. */
function compressionList(value: ConfigFile['compression']): string | readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'yes' || value === 'delayed') return ['none', 'zlib@openssh.com'];
  if (value === false || value === 'no') return ['none'];
  return value;
}

/** True for a pino level name (for `--log-level`). */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
