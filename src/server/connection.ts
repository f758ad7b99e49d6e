import { AuthService } from '../auth/service.js';
import type { AuthAttempt, AuthBackend, AuthenticatedUser, ConnectionInfo } from '../auth/types.js';
import type { ChannelRates } from '../connection/byte-rate.js';
import type { HandlerRegistry } from '../connection/handler-registry.js';
import {
  ConnectionService,
  type ChannelOpenOutcome,
  type ConnectionLimits,
  type ConnectionOutput,
} from '../connection/service.js';
import type { ChannelTypeHandler, GlobalRequestHandler } from '../connection/types.js';
import { GlobalRequest } from '../connection/messages.js';
import type { OfferedCertificate } from '../auth/certificate-cache.js';
import type { DecodedBlobCache, PublicKeyCache } from '../keys/public-key-cache.js';
import { sanitizeForLog, type Logger } from '../log/logger.js';
import type { DisconnectError } from '../protocol/errors.js';
import { DisconnectReason, Msg } from '../protocol/numbers.js';
import {
  Transport,
  type TransportHooks,
  type TransportOptions,
  type TransportService,
} from '../transport/transport.js';
import type { PayloadParts } from '../transport/framer.js';
import { LazyAbortController } from '../util/lazy-abort.js';
import { ClientAliveTimer, KEEPALIVE_REQUEST, type ClientAliveSettings } from './keepalive.js';

/** The byte stream a connection runs over (a socket, or stdin/stdout). */
export interface ConnectionIo {
  /**
   * Writes bytes; false when the stream is congested until `drain`. `written` runs once the bytes
   * are out of our hands (written, or never to be, the stream having failed).
   */
  write(data: Buffer, written?: () => void): boolean;
  /** Bytes written but not yet taken by the peer (the socket's `writableLength`). */
  pendingOutput(): number;
  /** Flushes and closes. */
  end(): void;
  pause(): void;
  resume(): void;
}

/**
 * What every connection of a server shares: one object per server, not per connection (an idle
 * connection should hold its own state and nothing else). The callbacks get the connection.
 */
export interface SshConnectionSettings {
  /** The transport's options, shared by every connection's transport (each has its own logger). */
  readonly transport: TransportOptions;
  readonly authBackend: AuthBackend<AuthenticatedUser>;
  /** Signature algorithms user keys may use (EXT_INFO server-sig-algs). */
  readonly userSignatureAlgorithms: readonly string[];
  /** The secret of the per-user part of the failure delay (one per server, as OpenSSH's). */
  readonly authTimingSecret: Uint8Array;
  /** Client key blobs already decoded, by blob. */
  readonly publicKeys: PublicKeyCache;
  /** Decoded client certificates with their CA signature checked (one cache per server). */
  readonly certificates: DecodedBlobCache<OfferedCertificate>;
  readonly maxAuthTries?: number;
  readonly banner?: string;
  /** Milliseconds to complete authentication (OpenSSH LoginGraceTime). */
  readonly loginGraceMs: number;
  /** Milliseconds for the client's identification line. */
  readonly identificationTimeoutMs: number;
  readonly channelTypes: HandlerRegistry<ChannelTypeHandler>;
  readonly globalRequests: HandlerRegistry<GlobalRequestHandler>;
  readonly connectionLimits?: Partial<ConnectionLimits>;
  /** Client-alive probes after login (OpenSSH ClientAliveInterval/CountMax); off when absent. */
  readonly clientAlive?: ClientAliveSettings;
  /**
   * Why `user` may not log in on this connection after all (its account is at its connection
   * limit), or undefined; asked just before USERAUTH_SUCCESS (see `AuthServiceOptions.admit`).
   */
  admitLogin?(connection: SshConnection, user: AuthenticatedUser): string | undefined;
  /** The byte rate limits of `user`'s account, for this connection's channels; undefined: none. */
  ratesFor?(connection: SshConnection, user: AuthenticatedUser): ChannelRates | undefined;
  /** Called once the user has logged in. */
  onAuthenticated?(connection: SshConnection, user: AuthenticatedUser): void;
  /** Called after each authentication attempt (for audit; never carries a secret). */
  onAuthAttempt?(connection: SshConnection, attempt: AuthAttempt): void;
  /** Called when a client's CHANNEL_OPEN has been answered. */
  onChannelOpen?(connection: SshConnection, outcome: ChannelOpenOutcome): void;
  /** Called once when the connection has ended. */
  onClosed?(connection: SshConnection, error: DisconnectError | undefined): void;
}

/** Bytes of unprocessed input above which we stop reading the socket. */
const INPUT_HIGH_WATER = 4 * 1024 * 1024;

/**
 * Bytes of unsent output above which we stop reading the socket: a peer that does not read must
 * not make us queue replies (window adjusts, request answers) without bound (catalogue C14).
 */
const OUTPUT_HIGH_WATER = 1024 * 1024;

/** Why reading from the peer is paused (bits): too much unprocessed input, too much unsent output. */
const PauseReason = { Input: 1, Output: 2 } as const;
type PauseReason = (typeof PauseReason)[keyof typeof PauseReason];

/**
 * One server-side connection: wires a byte stream to the transport, then `ssh-userauth`, then
 * `ssh-connection`; owns the login grace timer and the output backpressure that channels wait on.
 */
export class SshConnection {
  readonly transport: Transport;
  private readonly link: TransportHooks & ConnectionOutput;
  /** Cancels authentication work when the connection ends; dropped once authenticated. */
  private authAbort: LazyAbortController | undefined = new LazyAbortController();
  private connection: ConnectionService | undefined;
  private authenticatedUser: AuthenticatedUser | undefined;
  private congested = false;
  private authFailures = 0;
  private graceExpired = false;
  /** Why reading from the peer is paused: a set of {@link PauseReason} bits. */
  private pausedFor = 0;
  private writeWaiter: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private alive: ClientAliveTimer | undefined;
  private ended = false;

  constructor(
    private readonly settings: SshConnectionSettings,
    /** Who is connected where (the id names the connection in logs and events). */
    readonly info: Omit<ConnectionInfo, 'clientVersion'>,
    private readonly log: Logger,
    private readonly io: ConnectionIo,
  ) {
    this.link = new SshConnection.Link(this);
    this.transport = new Transport(settings.transport, this.link, log);
  }

  /**
   * The connection as its transport and its `ssh-connection` service see it. A class rather than
   * objects of closures: the methods live on its prototype, and each connection holds one
   * one-field object for them.
   */
  private static readonly Link = class implements TransportHooks, ConnectionOutput {
    constructor(private readonly c: SshConnection) {}
    send(payload: Uint8Array): void {
      this.c.transport.send(payload);
    }
    sendParts(head: Uint8Array, body: readonly Uint8Array[]): void {
      this.c.transport.sendParts(head, body);
    }
    sendPartsBatch(packets: readonly PayloadParts[]): void {
      this.c.transport.sendPartsBatch(packets);
    }
    whenWritable(): Promise<void> | undefined {
      return this.c.whenWritable();
    }
    onChannelOpen(outcome: ChannelOpenOutcome): void {
      this.c.settings.onChannelOpen?.(this.c, outcome);
    }
    write(data: Buffer): void {
      this.c.writeOut(data);
    }
    writeParts(parts: readonly Buffer[]): void {
      for (const part of parts) this.c.writeOut(part);
    }
    closed(error: DisconnectError | undefined): void {
      this.c.onTransportClosed(error);
    }
    serviceRequested(name: string): TransportService | undefined {
      return name === 'ssh-userauth' ? this.c.createAuthService() : undefined;
    }
    writable(): void {
      this.c.wakeWriters();
    }
    drained(): void {
      this.c.onDrained();
    }
  };

  private writeOut(data: Buffer): void {
    const pool = this.settings.transport.sealedBuffers;
    // A pooled packet goes back to the pool once the stream is done with it.
    if (!this.io.write(data, pool?.lends(data) ? () => pool.give(data) : undefined)) {
      this.congested = true;
      if (this.io.pendingOutput() > OUTPUT_HIGH_WATER) this.pauseInput(PauseReason.Output);
    }
  }

  /** The logged-in user, once authenticated. */
  get user(): AuthenticatedUser | undefined {
    return this.authenticatedUser;
  }

  /** How the connection went, for per-source penalties (OpenSSH PerSourcePenalties). */
  get outcome(): 'authenticated' | 'authfail' | 'grace-exceeded' | 'noauth' {
    if (this.authenticatedUser) return 'authenticated';
    if (this.graceExpired) return 'grace-exceeded';
    return this.authFailures > 0 ? 'authfail' : 'noauth';
  }

  /** Number of open channels. */
  get channelCount(): number {
    return this.connection?.channelCount ?? 0;
  }

  /** Starts the exchange: sends our identification and KEXINIT, arms the timers. */
  start(): void {
    this.timers.push(
      setTimeout(() => {
        if (!this.transport.peer.identification)
          this.close(DisconnectReason.ProtocolError, 'identification timeout');
      }, this.settings.identificationTimeoutMs),
      setTimeout(() => {
        if (this.authenticatedUser) return;
        this.graceExpired = true;
        this.close(DisconnectReason.ByApplication, 'authentication timeout');
      }, this.settings.loginGraceMs),
    );
    for (const t of this.timers) t.unref();
    this.transport.start();
  }

  /** Bytes from the peer. */
  receive(chunk: Buffer): void {
    this.alive?.activity();
    this.transport.receive(chunk);
    if (this.transport.inputBacklog > INPUT_HIGH_WATER) this.pauseInput(PauseReason.Input);
  }

  private pauseInput(reason: PauseReason): void {
    if (this.pausedFor === 0) this.io.pause();
    this.pausedFor |= reason;
  }

  private resumeInput(reason: PauseReason): void {
    if ((this.pausedFor & reason) === 0) return;
    this.pausedFor &= ~reason;
    if (this.pausedFor === 0) this.io.resume();
  }

  /** The output stream drained. */
  drain(): void {
    this.congested = false;
    this.resumeInput(PauseReason.Output);
    this.wakeWriters();
  }

  /** The peer went away without a DISCONNECT. */
  lost(): void {
    this.finish();
  }

  /** Sends DISCONNECT and closes. */
  close(reason: (typeof DisconnectReason)[keyof typeof DisconnectReason], description: string): void {
    if (this.transport.isOpen) this.transport.disconnect(reason, description);
    else this.finish();
  }

  private createAuthService(): AuthService<AuthenticatedUser> {
    const o = this.settings;
    return new AuthService<AuthenticatedUser>({
      transport: this.transport,
      backend: o.authBackend,
      connection: this.connectionInfo(),
      abort: (this.authAbort ??= new LazyAbortController()),
      timingSecret: o.authTimingSecret,
      publicKeys: o.publicKeys,
      certificates: o.certificates,
      signatureAlgorithms: o.transport.registries.hostKey,
      allowedSignatureAlgorithms: o.userSignatureAlgorithms,
      hostKeyBlob: this.transport.hostKeyBlob,
      ...(o.maxAuthTries === undefined ? {} : { maxAuthTries: o.maxAuthTries }),
      ...(o.banner === undefined ? {} : { banner: o.banner }),
      log: this.log,
      ...(o.admitLogin ? { admit: (user: AuthenticatedUser) => o.admitLogin!(this, user) } : {}),
      onSuccess: (user) => this.onAuthenticated(user),
      onAttempt: (attempt) => {
        if (attempt.result === 'failure' && attempt.method !== 'none') this.authFailures++;
        o.onAuthAttempt?.(this, attempt);
      },
    });
  }

  private connectionInfo(): ConnectionInfo {
    // Each field named: an object spread here would give every connection's info a hidden class of
    // its own in Node 20's optimized code (about 250 bytes each).
    const { id, remoteAddress, remotePort, localAddress, localPort } = this.info;
    const clientVersion = this.transport.peer.identification?.line ?? '';
    return { id, remoteAddress, remotePort, localAddress, localPort, clientVersion };
  }

  private onAuthenticated(user: AuthenticatedUser): void {
    this.authenticatedUser = user;
    // Authentication is over: there is nothing left for its signal to cancel.
    this.authAbort = undefined;
    // The identification and login grace timers have nothing left to watch.
    for (const t of this.timers.splice(0)) clearTimeout(t);
    this.log.info(
      {
        user: user.name,
        methods: user.methods,
        ...(user.keyFingerprint === undefined ? {} : { key: user.keyFingerprint }),
        ...(user.certificate === undefined
          ? {}
          : { cert: { ...user.certificate, keyId: sanitizeForLog(user.certificate.keyId, 128) } }),
      },
      'authenticated',
    );
    const o = this.settings;
    const rates = o.ratesFor?.(this, user);
    this.connection = new ConnectionService(
      {
        info: this.connectionInfo(),
        user,
        channelTypes: o.channelTypes,
        globalRequests: o.globalRequests,
        log: this.log.child({ user: user.name }),
        ...(o.connectionLimits ? { limits: o.connectionLimits } : {}),
        ...(rates ? { rates } : {}),
      },
      this.link,
    );
    this.transport.setService(this.connection);
    if (ClientAliveTimer.enabled(o.clientAlive)) this.startClientAlive(o.clientAlive, this.connection);
    o.onAuthenticated?.(this, user);
  }

  /** Probes a silent client with keepalive@openssh.com; its replies reach us as REQUEST_SUCCESS/FAILURE. */
  private startClientAlive(settings: ClientAliveSettings, service: ConnectionService): void {
    const alive = new ClientAliveTimer(settings, {
      probe: () => {
        this.log.debug({}, 'client alive probe');
        this.transport.send(
          GlobalRequest.encode({
            requestName: KEEPALIVE_REQUEST,
            wantReply: true,
            requestSpecific: new Uint8Array(0),
          }),
        );
      },
      timeout: (n) => {
        this.log.info({ unanswered: n }, 'client not responding');
        this.close(DisconnectReason.ConnectionLost, 'Timeout, client not responding');
      },
    });
    this.transport.setService({
      handle: (payload) => {
        if (payload[0] === Msg.RequestSuccess || payload[0] === Msg.RequestFailure) alive.replied();
        return service.handle(payload);
      },
    });
    this.alive = alive;
    alive.start();
  }

  private whenWritable(): Promise<void> | undefined {
    if (!this.transport.isOpen) return undefined;
    if (this.transport.canSend && !this.congested) return undefined;
    if (!this.writeWaiter) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.writeWaiter = { promise, resolve };
    }
    return this.writeWaiter.promise;
  }

  private wakeWriters(): void {
    if (!this.writeWaiter) return;
    if (this.transport.isOpen && (!this.transport.canSend || this.congested)) return;
    const { resolve } = this.writeWaiter;
    this.writeWaiter = undefined;
    resolve();
  }

  private onDrained(): void {
    if (this.transport.inputBacklog < INPUT_HIGH_WATER / 2) this.resumeInput(PauseReason.Input);
  }

  private onTransportClosed(error: DisconnectError | undefined): void {
    if (error && !error.sentByPeer) {
      const fields = { reason: error.reason, description: error.description };
      // A peer gone before it said a word (a port probe, a load balancer's health check) is not news.
      const silent =
        error.reason === DisconnectReason.ConnectionLost && this.transport.peer.identification === undefined;
      if (silent) this.log.debug(fields, 'disconnecting');
      else this.log.info(fields, 'disconnecting');
    }
    this.finish(error);
  }

  private finish(error?: DisconnectError): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    this.alive?.stop();
    this.authAbort?.abort();
    this.connection?.shutdown();
    this.wakeWriters();
    if (this.transport.isOpen) this.transport.disconnect(DisconnectReason.ConnectionLost, 'connection lost');
    this.io.end();
    this.log.debug({}, 'connection closed');
    this.settings.onClosed?.(this, error);
  }
}
