import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { createDefaultRegistries } from '../algorithms/defaults.js';
import { DhWorkerPool } from '../algorithms/kex/dh-worker-pool.js';
import type { DhEngine } from '../algorithms/types.js';
import type { AlgorithmRegistries } from '../algorithms/registry.js';
import { certificateCache } from '../auth/certificate-cache.js';
import { HandlerRegistry } from '../connection/handler-registry.js';
import type { ChannelTypeHandler, GlobalRequestHandler } from '../connection/types.js';
import type { AlgorithmOffer } from '../kex/key-exchange.js';
import { PublicKeyCache } from '../keys/public-key-cache.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { DisconnectReason } from '../protocol/numbers.js';
import type { Forwarding } from '../forwarding/index.js';
import { forwardingPlugin, sessionPlugin, sftpPlugin } from '../plugins/builtins/index.js';
import { ServerEventEmitter } from '../plugins/events.js';
import { PluginHost } from '../plugins/host.js';
import { sftpOperationNames } from '../sftp/requests/table.js';
import type { SessionRequestHandler, ShellHandler, SubsystemHandler } from '../session/types.js';
import { PaddingSource } from '../transport/framer.js';
import { SealedBufferPool } from '../transport/sealed-buffers.js';
import { identificationLine } from '../transport/version.js';
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
import { DEFAULT_PENALTIES, SourcePenalties } from './penalties.js';
import { DEFAULT_MAX_STARTUPS, shouldDrop } from './max-startups.js';
import { SocketIo } from './socket-io.js';
import { AccountLimits } from './account-limits.js';
import { formatExposition } from './metrics-exposition.js';
import { ServerMetrics, SocketBytes } from './metrics.js';
import { ProxyGate } from './proxy-gate.js';
import type { ServerEvents, SshServerOptions } from './server-options.js';
import { sameConnection, type ConnectionEndpoints } from './proxy-protocol.js';

export type { AlgorithmSettings, ServerEvents, SshServerOptions } from './server-options.js';

/** Bytes a socket buffers before its writes report congestion. */
const SOCKET_HIGH_WATER = 1024 * 1024;

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
  /** TCP bytes of the connections, for the byte counters. */
  private readonly socketBytes = new SocketBytes();
  /** The proxies whose PROXY headers are believed (see {@link SshServerOptions.proxyProtocolFrom}). */
  private readonly proxies: ProxyGate | undefined;
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
    this.proxies =
      options.proxyProtocolFrom === undefined
        ? undefined
        : new ProxyGate(
            options.proxyProtocolFrom,
            this.connectionSettings.identificationTimeoutMs,
            this.log,
            () => this.metrics.connectionRefused('proxy-header'),
          );
  }

  /** Connections currently open. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The server's and the process's metrics in Prometheus' text format (served by `metricsListen`). */
  metricsText(): string {
    const { received, sent } = this.socketBytes.totals();
    return formatExposition(
      this.metrics.collect({
        version: packageVersion(),
        connectionsOpen: this.connections.size,
        unauthenticated: this.unauthenticated,
        channelsOpen: [...this.connections].reduce((n, c) => n + c.channelCount, 0),
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
    if (this.proxies?.trusts(own.remoteAddress)) {
      // The client's endpoints come first, in a PROXY header (nothing is sent before).
      this.proxies.receive(
        socket,
        own,
        (client, early, proxy) => this.admit(socket, client, early, proxy),
        () => this.stopping,
      );
      return;
    }
    this.admit(socket, own);
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
    this.socketBytes.track(socket);
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
