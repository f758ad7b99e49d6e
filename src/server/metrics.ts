import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { SftpStatus } from '../sftp/constants.js';
import { boundedLabel, Histogram, LabelledCounter, type MetricFamily } from './metrics-exposition.js';

/** Why a connection was turned away before it was served. */
export type RefusalReason = 'penalty' | 'max-startups' | 'proxy-header' | 'stopping';

/** How a connection ended (see `SshConnection.outcome`). */
export type ConnectionOutcome = 'authenticated' | 'authfail' | 'grace-exceeded' | 'noauth';

/** What the server knows at the moment of a scrape. */
export interface MetricsSnapshot {
  readonly version: string;
  readonly connectionsOpen: number;
  readonly unauthenticated: number;
  /** Channels open now, over every connection. */
  readonly channelsOpen: number;
  readonly penalizedSources: number;
  /** TCP bytes received and sent, over every connection so far (open ones included). */
  readonly bytesReceived: number;
  readonly bytesSent: number;
}

/** Authentication method names a label may carry (RFC 4252 §5; anything else is `other`). */
const AUTH_METHODS: ReadonlySet<string> = new Set([
  'none',
  'password',
  'publickey',
  'keyboard-interactive',
  'hostbased',
]);

/** SFTP status codes by number, as label values (`ok`, `no_such_file`, …). */
const SFTP_STATUS_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SftpStatus).map(([name, code]) => [
    code,
    name.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase()),
  ]),
);

/**
 * What one server counts for Prometheus (see `metricsListen`): connections accepted, refused and
 * ended, authentication attempts and logins, channel opens, SFTP operations, bytes, and the
 * process. No label ever carries a user name, an address or other text a peer chose, so the
 * series stay few whatever peers send: peer-named things (methods, channel types, SFTP
 * extensions) are labelled only when the server knows them, and `other` otherwise.
 */
export class ServerMetrics {
  private accepted = 0;
  private logins = 0;
  private loginsRefused = 0;
  private readonly refused = new LabelledCounter(['reason']);
  private readonly closed = new LabelledCounter(['outcome']);
  private readonly authAttempts = new LabelledCounter(['method', 'result']);
  private readonly channelOpens = new LabelledCounter(['type', 'result']);
  private readonly sftpOperations = new LabelledCounter(['op', 'status']);
  /** Seconds from accepting a connection to its login: key exchange, the client's think time, auth. */
  private readonly loginSeconds = new Histogram([
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
  ]);

  /**
   * @param channelTypeKnown - whether a channel type is registered (else it counts as `other`)
   * @param sftpOperationNames - the SFTP requests and extensions the server serves
   */
  constructor(
    private readonly channelTypeKnown: (type: string) => boolean,
    private readonly sftpOperationNames: ReadonlySet<string>,
    private readonly startedAt = Date.now(),
  ) {}

  connectionAccepted(): void {
    this.accepted++;
  }

  connectionRefused(reason: RefusalReason): void {
    this.refused.inc([reason]);
  }

  connectionClosed(outcome: ConnectionOutcome): void {
    this.closed.inc([outcome]);
  }

  authAttempt(method: string, result: string): void {
    this.authAttempts.inc([boundedLabel(method, AUTH_METHODS), result]);
  }

  /** A login its account's connection limit turned away. */
  loginRefused(): void {
    this.loginsRefused++;
  }

  /** A login completed `seconds` after its connection was accepted. */
  login(seconds: number): void {
    this.logins++;
    this.loginSeconds.observe(seconds);
  }

  channelOpen(type: string, accepted: boolean): void {
    this.channelOpens.inc([this.channelTypeKnown(type) ? type : 'other', accepted ? 'accepted' : 'refused']);
  }

  sftpOperation(op: string, status: number): void {
    this.sftpOperations.inc([
      boundedLabel(op, this.sftpOperationNames),
      SFTP_STATUS_NAMES.get(status) ?? 'other',
    ]);
  }

  /** Every family, the server's and the process's, as of `snapshot`. */
  collect(snapshot: MetricsSnapshot): MetricFamily[] {
    const single =
      (type: 'counter' | 'gauge') =>
      (name: string, help: string, value: number): MetricFamily => ({
        name,
        help,
        type,
        samples: [{ value }],
      });
    const [counter, gauge] = [single('counter'), single('gauge')];
    const labelled = (name: string, help: string, counts: LabelledCounter): MetricFamily => ({
      name,
      help,
      type: 'counter',
      samples: counts.samples(),
    });
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const openFds = countOpenDescriptors();
    return [
      {
        name: 'sshd_kit_info',
        help: 'The running sshd-kit (always 1).',
        type: 'gauge',
        samples: [{ labels: { version: snapshot.version }, value: 1 }],
      },
      counter('sshd_kit_connections_accepted_total', 'TCP connections served.', this.accepted),
      labelled(
        'sshd_kit_connections_refused_total',
        'Connections turned away before being served, by reason.',
        this.refused,
      ),
      gauge('sshd_kit_connections_open', 'Connections open now.', snapshot.connectionsOpen),
      gauge(
        'sshd_kit_connections_unauthenticated',
        'Connections open now that have not logged in (what MaxStartups counts).',
        snapshot.unauthenticated,
      ),
      labelled('sshd_kit_connections_closed_total', 'Connections ended, by how far they got.', this.closed),
      labelled(
        'sshd_kit_auth_attempts_total',
        'Authentication requests answered, by method and result.',
        this.authAttempts,
      ),
      counter('sshd_kit_logins_total', 'Logins completed.', this.logins),
      counter(
        'sshd_kit_logins_refused_total',
        "Logins disconnected at their account's connection limit.",
        this.loginsRefused,
      ),
      {
        name: 'sshd_kit_login_duration_seconds',
        help: 'Time from accepting a connection to its login (key exchange, client, authentication).',
        type: 'histogram',
        samples: this.loginSeconds.samples(),
      },
      gauge(
        'sshd_kit_channels_open',
        'Channels open now (sessions, SFTP, forwardings, …).',
        snapshot.channelsOpen,
      ),
      labelled(
        'sshd_kit_channel_opens_total',
        'Channel opens answered, by type and result.',
        this.channelOpens,
      ),
      labelled(
        'sshd_kit_sftp_operations_total',
        'SFTP requests answered, reads and writes aside, by operation and status.',
        this.sftpOperations,
      ),
      counter('sshd_kit_received_bytes_total', 'TCP bytes received from clients.', snapshot.bytesReceived),
      counter('sshd_kit_sent_bytes_total', 'TCP bytes sent to clients.', snapshot.bytesSent),
      gauge(
        'sshd_kit_penalized_sources',
        'Client addresses (or blocks) with a penalty on record (PerSourcePenalties).',
        snapshot.penalizedSources,
      ),
      counter(
        'process_cpu_seconds_total',
        'CPU time of the process, user and system.',
        (cpu.user + cpu.system) / 1e6,
      ),
      gauge('process_resident_memory_bytes', 'Resident memory of the process.', memory.rss),
      gauge(
        'process_start_time_seconds',
        'When the server started, in seconds since the epoch.',
        this.startedAt / 1000,
      ),
      ...(openFds === undefined ? [] : [gauge('process_open_fds', 'Open file descriptors.', openFds)]),
      gauge('nodejs_heap_size_used_bytes', 'V8 heap in use.', memory.heapUsed),
    ];
  }
}

/** The process's open descriptors (Linux `/proc`); undefined where there is no `/proc`. */
function countOpenDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/** TCP bytes over a server's connections: those closed, and those open now. */
export class SocketBytes {
  private readonly open = new Set<Socket>();
  /** Bytes of the sockets that have closed. */
  private closedReceived = 0;
  private closedSent = 0;

  /** Counts `socket`'s bytes from now on (its totals are added when it closes). */
  track(socket: Socket): void {
    this.open.add(socket);
    socket.once('close', () => {
      this.closedReceived += socket.bytesRead;
      this.closedSent += socket.bytesWritten;
      this.open.delete(socket);
    });
  }

  /** Bytes received and sent so far. */
  totals(): { readonly received: number; readonly sent: number } {
    let [received, sent] = [this.closedReceived, this.closedSent];
    for (const socket of this.open) {
      received += socket.bytesRead;
      sent += socket.bytesWritten;
    }
    return { received, sent };
  }
}
