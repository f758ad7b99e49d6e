import type { AlgorithmRegistries } from '../algorithms/registry.js';
import type { AuthBackend, AuthenticatedUser } from '../auth/types.js';
import type { ConnectionLimits } from '../connection/service.js';
import type { ForwardingPolicy } from '../forwarding/index.js';
import type { Certificate } from '../keys/certificate.js';
import type { PrivateKey } from '../keys/types.js';
import type { Logger } from '../log/logger.js';
import type { SessionSettings } from '../session/session-channel.js';
import type { FileTransferSettings } from '../sftp/subsystem.js';
import type { RekeyLimits } from '../transport/rekey.js';
import type { SshConnection } from './connection.js';
import type { IdleCollectionPolicy } from './idle-collector.js';
import type { ClientAliveSettings } from './keepalive.js';
import type { MaxStartups } from './max-startups.js';
import type { PenaltySettings } from './penalties.js';

/** sshd_config-style algorithm lists (a list, or a string with a `+`, `-` or `^` prefix). */
export interface AlgorithmSettings {
  readonly kexAlgorithms?: string | readonly string[];
  readonly hostKeyAlgorithms?: string | readonly string[];
  readonly ciphers?: string | readonly string[];
  readonly macs?: string | readonly string[];
  readonly compression?: string | readonly string[];
  /** Signature algorithms accepted for user keys (OpenSSH PubkeyAcceptedAlgorithms). */
  readonly pubkeyAcceptedAlgorithms?: string | readonly string[];
  /** Algorithms a CA may sign user certificates with (OpenSSH CASignatureAlgorithms). */
  readonly caSignatureAlgorithms?: string | readonly string[];
}

/** How an `SshServer` is set up. */
export interface SshServerOptions {
  readonly hostKeys: readonly PrivateKey[];
  /**
   * Host certificates (sshd_config HostCertificate), each of one of `hostKeys`: offered as the
   * `*-cert-v01@openssh.com` host key algorithms (PROTOCOL.certkeys).
   */
  readonly hostCertificates?: readonly Certificate[];
  readonly authBackend: AuthBackend<AuthenticatedUser>;
  /** Algorithm registries; a fresh default set when omitted. */
  readonly registries?: AlgorithmRegistries;
  readonly algorithms?: AlgorithmSettings;
  readonly strictKex?: boolean;
  readonly rekeyLimits?: RekeyLimits;
  /** Seconds to authenticate (OpenSSH LoginGraceTime, 120). */
  readonly loginGraceTime?: number;
  /** Failed attempts per connection (OpenSSH MaxAuthTries, 6). */
  readonly maxAuthTries?: number;
  readonly maxStartups?: MaxStartups;
  /** Per-source penalties (OpenSSH PerSourcePenalties); false turns them off. */
  readonly penalties?: Partial<PenaltySettings> | false;
  /**
   * Load balancers in front of the server that send a PROXY protocol header (HAProxy's
   * proxy-protocol.txt, v1 or v2) first on each connection: a pattern-list of their addresses and
   * CIDR blocks. Every connection from them must start with one, within the identification
   * timeout, or is dropped; the client address it gives is the connection's for logs, `from=`,
   * penalties and the session's SSH_CLIENT. A header from any other address is not believed (it
   * is read as a bad identification line). A proxy's own connections (its health checks: a v2
   * LOCAL header, or a header naming the connection itself, as HAProxy's v1 checks send) are never
   * penalised.
   */
  readonly proxyProtocolFrom?: string;
  readonly banner?: string;
  readonly connectionLimits?: Partial<ConnectionLimits>;
  /** Probe silent clients after login (OpenSSH ClientAliveInterval/CountMax); off when absent. */
  readonly clientAlive?: ClientAliveSettings;
  /** The built-in `session` channel: acceptEnv, shell, PATH, subsystem commands. */
  readonly session?: SessionSettings;
  /** Port, socket and agent forwarding, server-wide (sshd_config style); OpenSSH's defaults when absent. */
  readonly forwarding?: ForwardingPolicy;
  readonly log?: Logger;
  /** SFTP and in-process scp; false leaves both unregistered. */
  readonly fileTransfer?: Partial<FileTransferSettings> | false;
  /** Milliseconds a plugin's setup/dispose, and a plugin shell handler's decision, may take. */
  readonly pluginTimeouts?: { readonly setupMs?: number; readonly decideMs?: number };
  /**
   * One full garbage collection once no connection has opened or closed for `quietMs`, after a
   * burst (while connections are alive) or a large growth of the heap, to give its memory back
   * (see `IdleCollector`; `DEFAULT_IDLE_COLLECTION` for the defaults). `collect`
   * defaults to V8's collector when the process exposes it (the CLI does); without one nothing
   * runs. `heapBytes` measures the heap (V8's used heap by default). False turns it off.
   */
  readonly idleCollection?:
    | false
    | (Partial<IdleCollectionPolicy> & { readonly collect?: () => void; readonly heapBytes?: () => number });
}

/** What a server tells its owner about connections. */
export interface ServerEvents {
  onConnection?(connection: SshConnection): void;
  onAuthenticated?(user: AuthenticatedUser, connection: SshConnection): void;
  /** A connection has ended (after its DISCONNECT, if any). */
  onConnectionClosed?(connection: SshConnection): void;
}
