import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { createDefaultRegistries } from '../algorithms/defaults.js';
import { DhWorkerPool } from '../algorithms/kex/dh-worker-pool.js';
import type { DhEngine } from '../algorithms/types.js';
import type { AlgorithmRegistries } from '../algorithms/registry.js';
import { certificateCache } from '../auth/certificate-cache.js';
import type { AuthBackend, AuthenticatedUser } from '../auth/types.js';
import { HandlerRegistry } from '../connection/handler-registry.js';
import type { ConnectionLimits } from '../connection/service.js';
import type { ChannelTypeHandler, GlobalRequestHandler } from '../connection/types.js';
import type { AlgorithmOffer } from '../kex/key-exchange.js';
import type { Certificate } from '../keys/certificate.js';
import type { PrivateKey } from '../keys/types.js';
import { PublicKeyCache } from '../keys/public-key-cache.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { DisconnectReason } from '../protocol/numbers.js';
import type { Forwarding, ForwardingPolicy } from '../forwarding/index.js';
import { forwardingPlugin, sessionPlugin, sftpPlugin } from '../plugins/builtins/index.js';
import { ServerEventEmitter } from '../plugins/events.js';
import { PluginHost } from '../plugins/host.js';
import { sftpOperationNames } from '../sftp/requests/table.js';
import type { FileTransferSettings } from '../sftp/subsystem.js';
import type { SessionSettings } from '../session/session-channel.js';
import type { SessionRequestHandler, ShellHandler, SubsystemHandler } from '../session/types.js';
import type { RekeyLimits } from '../transport/rekey.js';
import { PaddingSource } from '../transport/framer.js';
import { SealedBufferPool } from '../transport/sealed-buffers.js';
import { identificationLine } from '../transport/version.js';
import { matchPatternList, parsePatternList, type HostPattern } from '../users/host-patterns.js';
import { packageVersion } from '../version.js';
import { resolveAlgorithmList } from './algorithm-lists.js';
import { SshConnection, type ConnectionIo, type SshConnectionSettings } from './connection.js';
import { HostKeySet } from './host-keys.js';
import {
  DEFAULT_IDLE_COLLECTION,
  exposedGarbageCollector,
  IdleCollector,
  type IdleCollectionPolicy,
} from './idle-collector.js';
import type { ClientAliveSettings } from './keepalive.js';
import { DEFAULT_PENALTIES, SourcePenalties, type PenaltySettings } from './penalties.js';
import { DEFAULT_MAX_STARTUPS, shouldDrop, type MaxStartups } from './max-startups.js';
import { SocketIo } from './socket-io.js';
import { AccountLimits } from './account-limits.js';
import { formatExposition } from './metrics-exposition.js';
import { ServerMetrics } from './metrics.js';
import { readProxyHeader } from './proxy-header-reader.js';
import { sameConnection, type ConnectionEndpoints } from './proxy-protocol.js';

/** Bytes a socket buffers before its writes report congestion. */
const SOCKET_HIGH_WATER = 1024 * 1024;

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

/** How an {@link SshServer} is set up. */
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
   * (see {@link IdleCollector}; {@link DEFAULT_IDLE_COLLECTION} for the defaults). `collect`
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

/**
 * An SSH server: a listener, admission control (MaxStartups), and one {@link SshConnection} per
 * client. Channel types, global requests and subsystems are registered on its registries, by
 * the built-ins and by plugins alike.
 */
export class SshServer {
  readonly registries: AlgorithmRegistries;
  readonly channelTypes = new HandlerRegistry<ChannelTypeHandler>('channel type');
  readonly globalRequests = new HandlerRegistry<GlobalRequestHandler>('global request');
  /** Subsystems (`sftp`, `name@domain`) the session channel dispatches to by name. */
  readonly subsystems = new HandlerRegistry<SubsystemHandler>('subsystem');
  /** Programmable `shell`/`exec` handlers, tried in registration order before a process. */
  readonly shells = new HandlerRegistry<ShellHandler>('shell');
  /** Other session requests by name (`auth-agent-req@openssh.com`, ...), for the session channel. */
  readonly sessionRequests = new HandlerRegistry<SessionRequestHandler>('session request');
  /** The forwarding built-in: its policy and the forwarded-agent API for plugins. */
  readonly forwarding: Forwarding;
  /** Typed server events (connection.open, auth.attempt, channel.open, sftp.op, connection.close). */
  readonly serverEvents: ServerEventEmitter;
  /** The installed plugins: the built-ins (session, sftp, forwarding) and loaded ones. */
  readonly plugins: PluginHost;
  readonly hostKeys: HostKeySet;
  readonly offer: AlgorithmOffer;
  readonly userSignatureAlgorithms: readonly string[];
  /** Plain algorithms a CA may sign user certificates with (OpenSSH CASignatureAlgorithms). */
  readonly caSignatureAlgorithms: readonly string[];
  /** Legacy algorithms the settings enabled (to warn about at start-up). */
  readonly legacyAlgorithms: readonly string[];
  private readonly connections = new Set<SshConnection>();
  /** Connections not yet authenticated (what MaxStartups counts). */
  private unauthenticated = 0;
  private readonly idleCollector: IdleCollector | undefined;
  private readonly listeners = new Set<Server>();
  private readonly log: Logger;
  private readonly identification: string;
  private nextId = 0;
  private readonly idPrefix = randomBytes(3).toString('hex');
  private stopping = false;
  /** Per-source penalties; undefined when turned off. */
  readonly penalties: SourcePenalties | undefined;
  /** What the server counts, for Prometheus ({@link metricsText}). */
  readonly metrics: ServerMetrics;
  /** Per account: connections logged in, and the byte rate limits they share. */
  private readonly accounts = new AccountLimits();
  /** When each connection not yet logged in was accepted (`performance.now()`), for the login histogram. */
  private readonly openedAt = new WeakMap<SshConnection, number>();
  /** Sockets of open connections, and the bytes of closed ones, for the byte counters. */
  private readonly sockets = new Set<Socket>();
  private readonly closedBytes = { received: 0, sent: 0 };
  /** The proxies whose PROXY headers are believed (see {@link SshServerOptions.proxyProtocolFrom}). */
  private readonly trustedProxies: readonly HostPattern[] | undefined;
  /** A trusted proxy's own connections (health checks, a v2 LOCAL header): never penalised. */
  private readonly proxyOwnConnections = new WeakSet<SshConnection>();
  /** Finite-field DH runs here, off the event loop; the worker starts on first use. */
  private dhPool: DhWorkerPool | undefined;
  private readonly connectionSettings: SshConnectionSettings;
  private readonly dhEngine: DhEngine = { run: (job) => (this.dhPool ??= new DhWorkerPool()).run(job) };

  constructor(
    private readonly options: SshServerOptions,
    private readonly events: ServerEvents = {},
  ) {
    this.log = options.log ?? silentLogger;
    const idle = options.idleCollection ?? {};
    if (idle !== false) {
      const collect = idle.collect ?? exposedGarbageCollector();
      const d = DEFAULT_IDLE_COLLECTION;
      const policy: IdleCollectionPolicy = {
        quietMs: idle.quietMs ?? d.quietMs,
        minChurn: idle.minChurn ?? d.minChurn,
        minHeapGrowthBytes: idle.minHeapGrowthBytes ?? d.minHeapGrowthBytes,
      };
      if (collect)
        this.idleCollector = new IdleCollector(collect, policy, idle.heapBytes, () => this.connections.size);
    }
    this.penalties =
      options.penalties === false
        ? undefined
        : new SourcePenalties({ ...DEFAULT_PENALTIES, ...options.penalties });
    this.metrics = new ServerMetrics(
      (type) => this.channelTypes.get(type) !== undefined,
      sftpOperationNames(),
    );
    this.trustedProxies =
      options.proxyProtocolFrom === undefined ? undefined : parsePatternList(options.proxyProtocolFrom);
    this.registries = options.registries ?? createDefaultRegistries();
    this.hostKeys = new HostKeySet(options.hostKeys, this.registries.hostKey, options.hostCertificates);
    const a = options.algorithms ?? {};
    const kex = resolveAlgorithmList(this.registries.kex, a.kexAlgorithms, 'kex');
    const hostKey = resolveAlgorithmList(this.registries.hostKey, a.hostKeyAlgorithms, 'host key');
    const cipher = resolveAlgorithmList(this.registries.cipher, a.ciphers, 'cipher');
    const mac = resolveAlgorithmList(this.registries.mac, a.macs, 'mac');
    const compression = resolveAlgorithmList(this.registries.compression, a.compression, 'compression');
    const userSig = resolveAlgorithmList(this.registries.hostKey, a.pubkeyAcceptedAlgorithms, 'public key');
    const caSig = resolveAlgorithmList(this.registries.hostKey, a.caSignatureAlgorithms, 'CA signature');
    const hostKeyNames = this.hostKeys.usable(hostKey.names);
    if (hostKeyNames.length === 0) throw new Error('no host key matches the host key algorithms');
    this.offer = {
      kex: kex.names,
      hostKey: hostKeyNames,
      cipher: cipher.names,
      mac: mac.names,
      compression: compression.names,
    };
    this.userSignatureAlgorithms = userSig.names;
    // A CA signs as a plain key: certificate names in the list (the defaults have them) mean nothing.
    this.caSignatureAlgorithms = caSig.names.filter((n) => !this.registries.hostKey.get(n)?.certified);
    this.legacyAlgorithms = [kex, hostKey, cipher, mac, compression, userSig, caSig].flatMap((l) => l.legacy);
    this.identification = identificationLine(packageVersion());
    this.serverEvents = new ServerEventEmitter(this.log);
    this.serverEvents.on('sftp.op', (e) => this.metrics.sftpOperation(e.op, e.status), 'metrics');
    this.plugins = new PluginHost({
      registries: this,
      events: this.serverEvents,
      log: this.log,
      ...(options.pluginTimeouts?.setupMs === undefined
        ? {}
        : { setupTimeoutMs: options.pluginTimeouts.setupMs }),
      ...(options.pluginTimeouts?.decideMs === undefined
        ? {}
        : { decideTimeoutMs: options.pluginTimeouts.decideMs }),
    });
    // The built-ins are plugins, installed through the same host as loaded ones.
    const builtin = { source: 'built-in', builtin: true } as const;
    this.plugins.installSync(
      sessionPlugin({
        shells: this.shells,
        subsystems: this.subsystems,
        sessionRequests: this.sessionRequests,
        ...(options.session ? { settings: options.session } : {}),
      }),
      builtin,
    );
    if (options.fileTransfer !== false) {
      const settings = { serverVersion: this.identification, ...options.fileTransfer };
      this.plugins.installSync(sftpPlugin(settings, this.serverEvents), builtin);
    }
    let forwarding: Forwarding | undefined;
    this.plugins.installSync(
      forwardingPlugin(this, options.forwarding, (f) => (forwarding = f)),
      builtin,
    );
    this.forwarding = forwarding!;
    this.connectionSettings = this.settingsForConnections();
  }

  /** Connections currently open. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The server's and the process's metrics in Prometheus' text format (served by `metricsListen`). */
  metricsText(): string {
    let received = this.closedBytes.received;
    let sent = this.closedBytes.sent;
    for (const socket of this.sockets) {
      received += socket.bytesRead;
      sent += socket.bytesWritten;
    }
    return formatExposition(
      this.metrics.collect({
        version: packageVersion(),
        connectionsOpen: this.connections.size,
        unauthenticated: this.unauthenticated,
        penalizedSources: this.penalties?.size ?? 0,
        bytesReceived: received,
        bytesSent: sent,
      }),
    );
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    // Sockets buffer up to 1 MiB before reporting congestion: a turn's batch of packets that the
    // kernel has not taken yet (one SFTP read reply is 8 packets) must not look like a slow client.
    const server = createServer({ noDelay: true, highWaterMark: SOCKET_HIGH_WATER }, (socket) =>
      this.accept(socket),
    );
    this.listeners.add(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error({ err }, 'listener error'));
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /** Serves one connection over a pair of streams (`sshd -i` style, e.g. stdin/stdout). */
  serveStreams(input: Readable, output: Writable): SshConnection {
    const io: ConnectionIo = {
      write: (data, written) => output.write(data, written),
      pendingOutput: () => output.writableLength,
      end: () => output.end(),
      pause: () => input.pause(),
      resume: () => input.resume(),
    };
    const conn = this.createConnection(io, {
      remoteAddress: 'stdio',
      remotePort: 0,
      localAddress: 'stdio',
      localPort: 0,
    });
    input.on('data', (chunk: Buffer) => conn.receive(chunk));
    input.on('end', () => conn.lost());
    input.on('error', () => conn.lost());
    output.on('drain', () => conn.drain());
    output.on('error', () => conn.lost());
    conn.start();
    return conn;
  }

  /**
   * Stops accepting at once; lets authenticated sessions run up to `graceMs`, then ends every
   * connection with a DISCONNECT. Unauthenticated ones are ended immediately.
   */
  async close(graceMs = 0): Promise<void> {
    this.stopping = true;
    // net.Server.close() reports only once every socket has gone, so stop accepting first and
    // wait for the listeners after the connections have been ended.
    const listenersClosed = [...this.listeners].map((l) => new Promise<void>((r) => l.close(() => r())));
    this.listeners.clear();
    for (const c of this.connections)
      if (!c.user) c.close(DisconnectReason.ByApplication, 'server shutting down');
    const deadline = Date.now() + graceMs;
    while (this.connections.size > 0 && Date.now() < deadline) {
      if ([...this.connections].every((c) => c.channelCount === 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const c of this.connections) c.close(DisconnectReason.ByApplication, 'server shutting down');
    await Promise.all(listenersClosed);
    await this.plugins.uninstallAll();
    await this.dhPool?.close();
    this.dhPool = undefined;
    this.idleCollector?.close();
  }

  private accept(socket: Socket): void {
    // Reset before we got to it: there is no one to serve.
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const own: ConnectionEndpoints = {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
    };
    if (!this.isTrustedProxy(own.remoteAddress)) {
      this.admit(socket, own);
      return;
    }
    // A trusted proxy: the client's endpoints come first, in a PROXY header (nothing is sent before).
    readProxyHeader(socket, this.connectionSettings.identificationTimeoutMs, {
      onHeader: (header, rest) => this.admit(socket, header.endpoints ?? own, rest, own),
      onError: (err) => {
        const where = { proxy: own.remoteAddress, port: own.remotePort };
        if (err.idle || this.stopping) this.log.debug(where, `closed: ${err.message}`);
        else {
          this.log.warn(where, `dropped: ${err.message}`);
          this.metrics.connectionRefused('proxy-header');
        }
        socket.destroy();
      },
    });
  }

  /** Whether `address` is a proxy whose PROXY headers are believed. */
  private isTrustedProxy(address: string): boolean {
    return this.trustedProxies !== undefined && matchPatternList(this.trustedProxies, { address });
  }

  /**
   * Admission (penalties, MaxStartups) and the connection, for a client at `endpoints`; `early` holds
   * bytes already read after a PROXY header from `proxy`. The connection is the proxy's own (a
   * health check) when the header gave no client, or gave this very connection, as HAProxy's v1
   * checks do.
   */
  private admit(
    socket: Socket,
    endpoints: ConnectionEndpoints,
    early?: Buffer,
    proxy?: ConnectionEndpoints,
  ): void {
    if (this.penalties?.isRefused(endpoints.remoteAddress)) {
      // A penalised source gets nothing, not even a banner (as OpenSSH).
      this.log.debug({ remote: endpoints.remoteAddress }, 'refused: source penalised');
      this.metrics.connectionRefused('penalty');
      socket.destroy();
      return;
    }
    const maxStartups = this.options.maxStartups ?? DEFAULT_MAX_STARTUPS;
    if (this.stopping || shouldDrop(maxStartups, this.unauthenticated)) {
      this.metrics.connectionRefused(this.stopping ? 'stopping' : 'max-startups');
      socket.end('Not allowed at this time\r\n');
      return;
    }
    socket.setNoDelay(true);
    const io = new SocketIo(socket);
    const conn = this.createConnection(io, endpoints, proxy?.remoteAddress);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.closedBytes.received += socket.bytesRead;
      this.closedBytes.sent += socket.bytesWritten;
      this.sockets.delete(socket);
    });
    if (proxy !== undefined && sameConnection(proxy, endpoints)) this.proxyOwnConnections.add(conn);
    const lost = () => conn.lost();
    socket.on('data', (chunk) => conn.receive(chunk));
    socket.on('drain', () => conn.drain());
    socket.on('end', lost);
    socket.on('close', lost);
    socket.on('error', (err) => {
      this.log.debug({ err }, 'socket error');
      conn.lost();
    });
    conn.start();
    if (early !== undefined && early.length > 0) conn.receive(early);
  }

  private createConnection(io: ConnectionIo, address: ConnectionEndpoints, proxy?: string): SshConnection {
    const id = `${this.idPrefix}-${(this.nextId++).toString(36)}`;
    const log = this.log.child({ conn: id });
    const conn = new SshConnection(this.connectionSettings, { id, ...address }, log, io);
    this.connections.add(conn);
    this.unauthenticated++;
    this.metrics.connectionAccepted();
    this.openedAt.set(conn, performance.now());
    this.idleCollector?.churn();
    log.debug(
      { remote: address.remoteAddress, port: address.remotePort, ...(proxy === undefined ? {} : { proxy }) },
      'connection open',
    );
    this.events.onConnection?.(conn);
    this.serverEvents.emit('connection.open', { conn: conn.info });
    return conn;
  }

  /** What every connection shares (made once: an idle connection holds its own state only). */
  private settingsForConnections(): SshConnectionSettings {
    const o = this.options;
    const { hostKeys, userSignatureAlgorithms } = this;
    // server-sig-algs names plain algorithms only, as OpenSSH's: a certificate signs as its key.
    const serverSigAlgs = userSignatureAlgorithms.filter((n) => !this.registries.hostKey.get(n)?.certified);
    const loginGraceMs = (o.loginGraceTime ?? 120) * 1000;
    return {
      transport: {
        role: 'server',
        registries: this.registries,
        offer: this.offer,
        identification: this.identification,
        hostKeySigner: (alg) => hostKeys.signer(alg),
        dhEngine: this.dhEngine,
        padding: new PaddingSource(),
        sealedBuffers: new SealedBufferPool(),
        extensions: () => [
          ['server-sig-algs', Buffer.from(serverSigAlgs.join(','))],
          ['publickey-hostbound@openssh.com', Buffer.from('0')],
          ['ping@openssh.com', Buffer.from('0')],
        ],
        ...(o.strictKex === undefined ? {} : { strictKex: o.strictKex }),
        ...(o.rekeyLimits ? { rekeyLimits: o.rekeyLimits } : {}),
      },
      authBackend: o.authBackend,
      userSignatureAlgorithms,
      authTimingSecret: randomBytes(32),
      publicKeys: new PublicKeyCache(),
      certificates: certificateCache(this.registries.hostKey, this.caSignatureAlgorithms),
      ...(o.maxAuthTries === undefined ? {} : { maxAuthTries: o.maxAuthTries }),
      ...(o.banner === undefined ? {} : { banner: o.banner }),
      loginGraceMs,
      identificationTimeoutMs: Math.min(loginGraceMs, 30_000),
      channelTypes: this.channelTypes,
      globalRequests: this.globalRequests,
      ...(o.connectionLimits ? { connectionLimits: o.connectionLimits } : {}),
      ...(o.clientAlive ? { clientAlive: o.clientAlive } : {}),
      admitLogin: (c, user) => {
        const refusal = this.accounts.admit(c, user.name, user.policy);
        if (refusal !== undefined) this.metrics.loginRefused();
        return refusal;
      },
      ratesFor: (c) => this.accounts.ratesOf(c),
      onAuthenticated: (c, user) => {
        this.unauthenticated--;
        const now = performance.now();
        this.metrics.login((now - (this.openedAt.get(c) ?? now)) / 1000);
        this.openedAt.delete(c);
        this.events.onAuthenticated?.(user, c);
      },
      onAuthAttempt: (c, attempt) => {
        this.metrics.authAttempt(attempt.method, attempt.result);
        this.serverEvents.emit('auth.attempt', { conn: c.info, ...attempt });
      },
      onChannelOpen: (c, e) => {
        this.metrics.channelOpen(e.type, e.accepted);
        this.serverEvents.emit('channel.open', { conn: c.info, user: c.user!.name, ...e });
      },
      onClosed: (c, error) => {
        this.connections.delete(c);
        if (!c.user) this.unauthenticated--;
        this.accounts.release(c);
        this.idleCollector?.churn();
        const outcome = c.outcome;
        this.metrics.connectionClosed(outcome);
        if (outcome !== 'authenticated' && !this.stopping && !this.proxyOwnConnections.has(c))
          this.penalties?.penalize(c.info.remoteAddress, outcome);
        this.events.onConnectionClosed?.(c);
        this.serverEvents.emit('connection.close', {
          conn: c.info,
          ...(c.user ? { user: c.user.name } : {}),
          ...(error ? { reason: error.reason } : {}),
        });
      },
    };
  }
}
