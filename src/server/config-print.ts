import { formatAuthMethods } from '../users/auth-methods.js';
import type { ResolvedAlgorithms } from './config-algorithms.js';
import type { ServeConfig } from './config.js';
import { formatListenAddress, parseListenAddress } from './config-values.js';
import { DEFAULT_PENALTIES, type PenaltySettings } from './penalties.js';

/** The effective config with everything resolved: what `serve --print-config --json` prints. */
export interface EffectiveConfig {
  readonly port: number;
  readonly listenAddress: readonly string[];
  readonly hostKeys: readonly string[];
  readonly profile: ServeConfig['profile'];
  readonly kexAlgorithms: readonly string[];
  readonly hostKeyAlgorithms: readonly string[];
  readonly ciphers: readonly string[];
  readonly macs: readonly string[];
  readonly compression: readonly string[];
  readonly pubkeyAcceptedAlgorithms: readonly string[];
  readonly caSignatureAlgorithms: readonly string[];
  readonly hostCertificates: readonly string[];
  readonly trustedUserCAKeys: string | null;
  readonly revokedKeys: string | null;
  readonly pubkeyAuthOptions: string;
  readonly legacyAlgorithms: readonly string[];
  readonly acceptEnv: readonly string[];
  readonly maxAuthTries: number;
  readonly loginGraceTime: number;
  readonly maxSessions: number;
  readonly maxStartups: string;
  readonly perSourcePenalties: string;
  readonly perSourcePenaltyExemptList: string;
  readonly proxyProtocolFrom: string | null;
  readonly metricsListen: string | null;
  readonly clientAliveInterval: number;
  readonly clientAliveCountMax: number;
  readonly allowTcpForwarding: string;
  readonly allowStreamLocalForwarding: string;
  readonly allowAgentForwarding: boolean;
  readonly permitOpen: readonly string[];
  readonly permitListen: readonly string[];
  readonly gatewayPorts: string;
  readonly subsystems: Readonly<Record<string, string>>;
  readonly rekeyLimit: { readonly bytes: number | null; readonly seconds: number | null };
  readonly banner: string | null;
  readonly authenticationMethods: string;
  readonly plugins: ServeConfig['plugins'];
  readonly shell: string;
  readonly log: { readonly level: string; readonly format: string; readonly file: string };
  readonly homesDir: string;
}

/**
 * Resolves a {@link ServeConfig} for printing: listen addresses with their ports, the algorithm
 * lists as offered, and `hostKeys` as the files that will be used (`defaultHostKeyPaths` when the
 * config names none). `logTo` names the log destination when no file is configured.
 */
export function effectiveConfig(
  config: ServeConfig,
  algorithms: ResolvedAlgorithms,
  defaultHostKeyPaths: readonly string[],
  logTo: 'stdout' | 'stderr',
): EffectiveConfig {
  const ms = config.maxStartups;
  return {
    port: config.port,
    listenAddress: config.listenAddress.map((a) => formatListenAddress(parseListenAddress(a, config.port))),
    hostKeys: config.hostKeys ?? defaultHostKeyPaths,
    profile: config.profile,
    kexAlgorithms: algorithms.kexAlgorithms,
    hostKeyAlgorithms: algorithms.hostKeyAlgorithms,
    ciphers: algorithms.ciphers,
    macs: algorithms.macs,
    compression: algorithms.compression,
    pubkeyAcceptedAlgorithms: algorithms.pubkeyAcceptedAlgorithms,
    caSignatureAlgorithms: algorithms.caSignatureAlgorithms,
    hostCertificates: config.hostCertificates,
    trustedUserCAKeys: config.trustedUserCAKeys ?? null,
    revokedKeys: config.revokedKeys ?? null,
    pubkeyAuthOptions: config.pubkeyAuthOptions.join(',') || 'none',
    legacyAlgorithms: algorithms.legacy,
    acceptEnv: config.acceptEnv,
    maxAuthTries: config.maxAuthTries,
    loginGraceTime: config.loginGraceTime,
    maxSessions: config.maxSessions,
    maxStartups: `${ms.start}:${ms.rate}:${ms.full}`,
    perSourcePenalties: formatPenalties(config.perSourcePenalties),
    perSourcePenaltyExemptList: config.perSourcePenaltyExemptList,
    proxyProtocolFrom: config.proxyProtocolFrom ?? null,
    metricsListen: config.metricsListen === undefined ? null : formatListenAddress(config.metricsListen),
    clientAliveInterval: config.clientAliveInterval,
    clientAliveCountMax: config.clientAliveCountMax,
    allowTcpForwarding: config.allowTcpForwarding,
    allowStreamLocalForwarding: config.allowStreamLocalForwarding,
    allowAgentForwarding: config.allowAgentForwarding,
    permitOpen: config.permitOpen,
    permitListen: config.permitListen,
    gatewayPorts: config.gatewayPorts,
    subsystems: config.subsystems,
    rekeyLimit: { bytes: config.rekeyLimit.bytes ?? null, seconds: config.rekeyLimit.seconds ?? null },
    banner: config.banner ?? null,
    authenticationMethods: formatAuthMethods(config.authenticationMethods),
    plugins: config.plugins,
    shell: config.shell,
    log: { level: config.log.level, format: config.log.format ?? 'auto', file: config.log.file ?? logTo },
    homesDir: config.homesDir,
  };
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/**
 * Formats the effective config as `sshd -T` does: one `keyword value` per line, keywords in lower
 * case (sshd_config's where one exists), lists comma-separated, repeated keywords for
 * `listenaddress`, `hostkey`, `subsystem` and `plugin`.
 */
export function formatEffectiveConfig(c: EffectiveConfig): string {
  const lines: string[] = [`port ${c.port}`];
  for (const a of c.listenAddress) lines.push(`listenaddress ${a}`);
  for (const k of c.hostKeys) lines.push(`hostkey ${k}`);
  for (const k of c.hostCertificates) lines.push(`hostcertificate ${k}`);
  lines.push(
    `profile ${c.profile}`,
    `kexalgorithms ${c.kexAlgorithms.join(',')}`,
    `hostkeyalgorithms ${c.hostKeyAlgorithms.join(',')}`,
    `ciphers ${c.ciphers.join(',')}`,
    `macs ${c.macs.join(',')}`,
    `compression ${c.compression.join(',')}`,
    `pubkeyacceptedalgorithms ${c.pubkeyAcceptedAlgorithms.join(',')}`,
    `casignaturealgorithms ${c.caSignatureAlgorithms.join(',')}`,
    `trustedusercakeys ${c.trustedUserCAKeys ?? 'none'}`,
    `revokedkeys ${c.revokedKeys ?? 'none'}`,
    `pubkeyauthoptions ${c.pubkeyAuthOptions}`,
  );
  if (c.acceptEnv.length > 0) lines.push(`acceptenv ${c.acceptEnv.join(' ')}`);
  lines.push(
    `maxauthtries ${c.maxAuthTries}`,
    `logingracetime ${c.loginGraceTime}`,
    `maxsessions ${c.maxSessions}`,
    `maxstartups ${c.maxStartups}`,
    `persourcepenalties ${c.perSourcePenalties}`,
    `persourcepenaltyexemptlist ${c.perSourcePenaltyExemptList || 'none'}`,
    `proxyprotocolfrom ${c.proxyProtocolFrom ?? 'none'}`,
    `metricslisten ${c.metricsListen ?? 'none'}`,
    `clientaliveinterval ${c.clientAliveInterval}`,
    `clientalivecountmax ${c.clientAliveCountMax}`,
    `allowtcpforwarding ${c.allowTcpForwarding}`,
    `allowstreamlocalforwarding ${c.allowStreamLocalForwarding}`,
    `allowagentforwarding ${yesNo(c.allowAgentForwarding)}`,
    `permitopen ${c.permitOpen.join(' ')}`,
    `permitlisten ${c.permitListen.join(' ')}`,
    `gatewayports ${c.gatewayPorts}`,
  );
  for (const [name, command] of Object.entries(c.subsystems)) lines.push(`subsystem ${name} ${command}`);
  lines.push(
    `rekeylimit ${c.rekeyLimit.bytes ?? 0} ${c.rekeyLimit.seconds ?? 0}`,
    `banner ${c.banner ?? 'none'}`,
    `authenticationmethods ${c.authenticationMethods}`,
  );
  for (const p of c.plugins) lines.push(`plugin ${p.path}${p.optional ? ' (optional)' : ''}`);
  lines.push(
    `shell ${c.shell}`,
    `loglevel ${c.log.level}`,
    `logformat ${c.log.format}`,
    `logfile ${c.log.file}`,
    `homesdir ${c.homesDir}`,
  );
  return `${lines.join('\n')}\n`;
}

/** PerSourcePenalties as sshd -T prints it: `no`, or every setting with its effective value. */
function formatPenalties(p: Partial<PenaltySettings> | false): string {
  if (p === false) return 'no';
  const e = { ...DEFAULT_PENALTIES, ...p };
  return `authfail:${e.authfail}s noauth:${e.noauth}s grace-exceeded:${e.graceExceeded}s min:${e.min}s max:${e.max}s max-sources:${e.maxSources}`;
}
