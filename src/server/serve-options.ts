import type { AlgorithmRegistries } from '../algorithms/registry.js';
import type { AuthBackend, AuthenticatedUser } from '../auth/types.js';
import type { Certificate } from '../keys/certificate.js';
import type { PrivateKey } from '../keys/types.js';
import type { Logger } from '../log/logger.js';
import type { ServeConfig } from './config.js';
import { withServerAuthMethods } from './serve-auth.js';
import type { SshServerOptions } from './server.js';

/** What {@link serverOptionsFromConfig} needs besides the config. */
export interface ServeParts {
  readonly hostKeys: readonly PrivateKey[];
  /** The config's host certificates, loaded (see `loadHostCertificates`). */
  readonly hostCertificates: readonly Certificate[];
  readonly authBackend: AuthBackend<AuthenticatedUser>;
  /** The profile's registries (see `createProfileRegistries`). */
  readonly registries: AlgorithmRegistries;
  /** The banner file's text, when `banner` names one. */
  readonly bannerText: string | undefined;
  readonly log: Logger;
}

/**
 * Maps the effective config onto {@link SshServerOptions}: algorithm lists, rekey limits, the
 * pre-auth limits (LoginGraceTime, MaxAuthTries, MaxStartups), MaxSessions, the banner, the
 * client-alive probes, the server-wide AuthenticationMethods, forwarding (AllowTcpForwarding,
 * AllowStreamLocalForwarding, AllowAgentForwarding, PermitOpen, PermitListen, GatewayPorts), and
 * the session settings (AcceptEnv, the shell, `Subsystem` commands).
 */
export function serverOptionsFromConfig(config: ServeConfig, parts: ServeParts): SshServerOptions {
  const algorithms = {
    ...(config.kexAlgorithms === undefined ? {} : { kexAlgorithms: config.kexAlgorithms }),
    ...(config.hostKeyAlgorithms === undefined ? {} : { hostKeyAlgorithms: config.hostKeyAlgorithms }),
    ...(config.ciphers === undefined ? {} : { ciphers: config.ciphers }),
    ...(config.macs === undefined ? {} : { macs: config.macs }),
    ...(config.compression === undefined ? {} : { compression: config.compression }),
    ...(config.pubkeyAcceptedAlgorithms === undefined
      ? {}
      : { pubkeyAcceptedAlgorithms: config.pubkeyAcceptedAlgorithms }),
    ...(config.caSignatureAlgorithms === undefined
      ? {}
      : { caSignatureAlgorithms: config.caSignatureAlgorithms }),
  };
  return {
    hostKeys: parts.hostKeys,
    ...(parts.hostCertificates.length === 0 ? {} : { hostCertificates: parts.hostCertificates }),
    authBackend: withServerAuthMethods(parts.authBackend, config.authenticationMethods),
    registries: parts.registries,
    algorithms,
    rekeyLimits: config.rekeyLimit,
    loginGraceTime: config.loginGraceTime,
    maxAuthTries: config.maxAuthTries,
    maxStartups: config.maxStartups,
    penalties:
      config.perSourcePenalties === false
        ? false
        : { ...config.perSourcePenalties, exempt: config.perSourcePenaltyExemptList },
    ...(config.proxyProtocolFrom === undefined ? {} : { proxyProtocolFrom: config.proxyProtocolFrom }),
    ...(parts.bannerText === undefined ? {} : { banner: parts.bannerText }),
    connectionLimits: { maxPerType: { session: config.maxSessions } },
    clientAlive: { intervalSeconds: config.clientAliveInterval, countMax: config.clientAliveCountMax },
    forwarding: {
      allowTcpForwarding: config.allowTcpForwarding,
      allowStreamLocalForwarding: config.allowStreamLocalForwarding,
      allowAgentForwarding: config.allowAgentForwarding,
      permitOpen: config.permitOpen,
      permitListen: config.permitListen,
      gatewayPorts: config.gatewayPorts,
    },
    session: {
      acceptEnv: config.acceptEnv,
      shell: config.shell,
      subsystemCommands: subsystemCommands(config.subsystems),
    },
    // `Subsystem sftp internal-sftp` keeps the built-in SFTP (and in-process scp); without it the
    // configured command, or nothing, serves `sftp`, as in sshd.
    ...(config.subsystems['sftp']?.trim() === INTERNAL_SFTP ? {} : { fileTransfer: false as const }),
    log: parts.log,
  };
}

/** The OpenSSH name of the in-process SFTP server (`Subsystem sftp internal-sftp`). */
export const INTERNAL_SFTP = 'internal-sftp';

/**
 * `subsystems` entries that run a command. `internal-sftp` is not a command: it names the SFTP
 * subsystem handler registered in-process, which the session layer finds by name.
 */
export function subsystemCommands(subsystems: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(subsystems).filter(([, command]) => command.trim() !== INTERNAL_SFTP),
  );
}
