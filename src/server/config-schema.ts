import { z } from 'zod';
import { parseAuthMethods } from '../users/auth-methods.js';
import {
  checkPermitEntry,
  ConfigValueError,
  parseListenAddress,
  parseMetricsListen,
  parsePenalties,
  parseRekeyLimit,
  parseTimeSeconds,
} from './config-values.js';
import { parsePatternList } from '../users/host-patterns.js';
import { parseMaxStartups } from './max-startups.js';

/** Log levels `log.level` takes (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Log formats: `json` (one object per line) or `pretty` (pino-pretty, for people). */
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** Algorithm profiles: OpenSSH 10's defaults, or the ssh-audit-clean `hardened` set. */
export const PROFILES = ['default', 'hardened'] as const;
/** One of {@link PROFILES}. */
export type Profile = (typeof PROFILES)[number];

/**
 * Wraps `schema` so that any failure is reported as one issue with `message` (the part after the
 * key's name, e.g. "must be a positive integer"), unless a {@link ConfigValueError} said better.
 */
function expect<S extends z.ZodTypeAny>(
  schema: S,
  message: string,
): z.ZodType<z.output<S>, z.ZodTypeDef, unknown> {
  return z.unknown().transform((value, ctx): z.output<S> => {
    const r = schema.safeParse(value);
    if (r.success) return r.data as z.output<S>;
    const custom = r.error.issues.find((i) => i.code === 'custom');
    ctx.addIssue({ code: 'custom', message: custom?.message ?? message, path: custom?.path ?? [] });
    return z.NEVER;
  });
}

/**
 * Runs an sshd_config value parser inside zod: a {@link ConfigValueError} becomes the issue's
 * message; any other error leaves the message to the enclosing {@link expect}.
 */
function parsed<T>(parse: (v: string | number) => T): z.ZodType<T, z.ZodTypeDef, unknown> {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    try {
      return parse(v);
    } catch (err) {
      if (err instanceof ConfigValueError) ctx.addIssue({ code: 'custom', message: err.message });
      else ctx.addIssue({ code: 'invalid_type', expected: 'string', received: 'unknown' });
      return z.NEVER;
    }
  });
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const positiveInt = expect(int(1), 'must be a positive integer');
const countInt = expect(int(0), 'must be a whole number (0 or more)');

/** sshd_config yes/no, also as YAML booleans. */
const yesNo = expect(
  z.union([z.boolean(), z.enum(['yes', 'no'])]).transform((v) => v === true || v === 'yes'),
  'must be yes or no',
);

/** A word list: a YAML list, or one string of space-separated words (as sshd_config writes it). */
const words = (what: string) =>
  expect(
    z
      .union([z.string(), z.array(z.union([z.string().min(1), z.number().int().nonnegative()]))])
      .transform((v) => (typeof v === 'string' ? v.split(/\s+/).filter((s) => s !== '') : v.map(String))),
    `must be a list of ${what} (or one string of them separated by spaces)`,
  );

/** An algorithm list: a YAML list, or a comma-separated string that may start with `+`, `-` or `^`. */
const algorithmList = expect(
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  'must be a comma-separated list of algorithm names (optionally starting with +, - or ^), or a YAML list',
);

const time = expect(parsed(parseTimeSeconds), 'must be a time like 120, "2m" or "1h30m"');

const forwardingMode = expect(
  z
    .union([z.boolean(), z.enum(['yes', 'no', 'all', 'local', 'remote'])])
    .transform((v) => (v === true || v === 'all' ? 'yes' : v === false ? 'no' : v)),
  'must be yes, no, local or remote',
);

const permitList = (listen: boolean) =>
  words(listen ? 'ports or host:port entries' : 'host:port entries').transform((list, ctx) => {
    try {
      return list.map((e) => checkPermitEntry(e, listen));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/**
 * An OpenSSH pattern-list of addresses and CIDR blocks (YAML list or comma-separated string), kept
 * as its comma-separated text; `emptyMeansNone` lets `""` stand for no addresses.
 */
const addressPatterns = (example: string, emptyMeansNone: boolean) =>
  expect(
    z
      .union([z.string(), z.array(z.string().min(1)).min(1)])
      .transform((v) => (typeof v === 'string' ? v : v.join(',')))
      .transform((v, ctx) => {
        if (v === '' && emptyMeansNone) return v;
        try {
          parsePatternList(v);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a pattern-list of addresses and CIDR blocks (${(err as Error).message})`,
          });
          return z.NEVER;
        }
        return v;
      }),
    `must be a comma-separated list of addresses and CIDR blocks, e.g. ${example}`,
  );

const PLUGIN_FIELDS = ['path', 'optional', 'options'];

/** One `plugins` entry: a path or package name, or `{ path, optional, options }`. */
const pluginEntry = z.unknown().transform((v, ctx) => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (typeof v === 'string') return v === '' ? fail('must be a path or an npm package name') : v;
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return fail('must be a path, a package name, or { path, optional, options }');
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !PLUGIN_FIELDS.includes(k));
  if (extra !== undefined) return fail(`has unknown key "${extra}" (use ${PLUGIN_FIELDS.join(', ')})`);
  if (typeof o['path'] !== 'string' || o['path'] === '')
    return fail('needs a path (a file path or an npm package name)');
  if (o['optional'] !== undefined && typeof o['optional'] !== 'boolean')
    return fail('has "optional" that is not true or false');
  const options = o['options'];
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    return fail('has "options" that is not a mapping');
  return {
    path: o['path'],
    ...(o['optional'] === undefined ? {} : { optional: o['optional'] as boolean }),
    ...(options === undefined ? {} : { options: options as Record<string, unknown> }),
  };
});

const logSection = z
  .object({
    level: expect(z.enum(LOG_LEVELS), `must be one of ${LOG_LEVELS.join(', ')}`).optional(),
    format: expect(z.enum(LOG_FORMATS), 'must be json or pretty').optional(),
    file: expect(z.string().min(1), 'must be a file path').optional(),
  })
  .strict();

/**
 * The config file's schema (YAML or JSON). Keys take OpenSSH's sshd_config names in camelCase;
 * every key is optional, and {@link ./config.ts} fills in the defaults. See docs/config.md.
 */
export const configFileSchema = z
  .object({
    port: expect(int(0, 65535), 'must be a port number from 0 to 65535 (0 picks a free port)'),
    listenAddress: words('addresses').transform((list, ctx) => {
      try {
        for (const a of list) parseListenAddress(a, 0);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
      return list;
    }),
    hostKeys: words('host key file paths'),
    kexAlgorithms: algorithmList,
    hostKeyAlgorithms: algorithmList,
    ciphers: algorithmList,
    macs: algorithmList,
    compression: expect(
      z.union([z.boolean(), z.enum(['yes', 'no', 'delayed']), z.string().min(1), z.array(z.string()).min(1)]),
      'must be yes, no, or a list of compression algorithms',
    ),
    pubkeyAcceptedAlgorithms: algorithmList,
    caSignatureAlgorithms: algorithmList,
    hostCertificates: words('host certificate file paths'),
    trustedUserCAKeys: expect(z.string().min(1), 'must be a file of CA public keys, or none'),
    revokedKeys: expect(z.string().min(1), 'must be a KRL or a file of public keys, or none'),
    pubkeyAuthOptions: words('options').pipe(
      expect(
        z.array(z.enum(['none', 'touch-required', 'verify-required'])),
        'must be none, touch-required, verify-required, or both of the last two',
      ),
    ),
    acceptEnv: words('environment variable names or patterns like LC_*').transform((list, ctx) => {
      const bad = list.find((p) => !/^[A-Za-z0-9_*?]+$/.test(p));
      if (bad === undefined) return list;
      ctx.addIssue({
        code: 'custom',
        message: `has a bad pattern "${bad}" (letters, digits, _, * and ? only)`,
      });
      return z.NEVER;
    }),
    maxAuthTries: positiveInt,
    loginGraceTime: time.pipe(
      expect(z.number().min(1).max(86400), 'must be between 1 second and 1 day (0, "no limit", is refused)'),
    ),
    maxSessions: countInt,
    maxStartups: expect(
      parsed(parseMaxStartups),
      'must be "start:rate:full" with start <= full and rate <= 100 (like 10:30:100), or a number',
    ),
    perSourcePenalties: expect(
      z.union([z.boolean(), z.string().min(1)]).transform((v, ctx) => {
        try {
          return parsePenalties(v);
        } catch (err) {
          if (err instanceof ConfigValueError) ctx.addIssue({ code: 'custom', message: err.message });
          return z.NEVER;
        }
      }),
      'must be yes, no, or settings like "authfail:5s noauth:1s grace-exceeded:10s min:15s max:10m"',
    ),
    perSourcePenaltyExemptList: addressPatterns('"127.0.0.0/8,::1"', true),
    proxyProtocolFrom: addressPatterns('"10.0.0.5,10.0.1.0/24"', false),
    metricsListen: expect(
      parsed(parseMetricsListen),
      'must be host:port (or a port, on 127.0.0.1) for the Prometheus endpoint, or none',
    ),
    clientAliveInterval: time,
    clientAliveCountMax: countInt,
    allowTcpForwarding: forwardingMode,
    allowStreamLocalForwarding: forwardingMode,
    allowAgentForwarding: yesNo,
    permitOpen: permitList(false),
    permitListen: permitList(true),
    gatewayPorts: expect(
      z
        .union([z.boolean(), z.enum(['yes', 'no', 'clientspecified'])])
        .transform((v) => (v === true ? 'yes' : v === false ? 'no' : v)),
      'must be yes, no or clientspecified',
    ),
    subsystems: expect(
      z.record(z.string().regex(/^[\w.@-]+$/), z.string().min(1)),
      'must map subsystem names to commands, like { sftp: internal-sftp }',
    ),
    rekeyLimit: expect(parsed(parseRekeyLimit), 'must be "<size> [<time>]", like "1G 1h"'),
    banner: expect(z.string().min(1), 'must be a file path, or none'),
    authenticationMethods: expect(
      z
        .union([z.string(), z.array(z.string().min(1)).min(1)])
        .transform((v) => (typeof v === 'string' ? v : v.join(' ')))
        .transform((text, ctx) => {
          try {
            return parseAuthMethods(text);
          } catch (err) {
            ctx.addIssue({
              code: 'custom',
              message: (err as Error).message.replace(/^auth methods: /, 'has '),
            });
            return z.NEVER;
          }
        }),
      'must be "any" or method chains like "publickey,password publickey,keyboard-interactive"',
    ),
    plugins: z.array(pluginEntry, {
      invalid_type_error:
        'must be a list of plugin paths or package names (each optionally { path, optional, options })',
    }),
    shell: expect(z.string().regex(/^\//), 'must be an absolute path to a shell, like /bin/sh'),
    log: logSection,
    profile: expect(z.enum(PROFILES), 'must be default or hardened'),
    homesDir: expect(z.string().min(1), 'must be a directory path'),
  })
  .partial()
  .strict();

/** The config file's keys as parsed (every key optional). */
export type ConfigFile = z.output<typeof configFileSchema>;

/** Every top-level key the config file accepts, for "did you mean" suggestions. */
export const CONFIG_KEYS: readonly string[] = Object.keys(configFileSchema.shape);
