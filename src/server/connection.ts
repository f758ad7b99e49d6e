import type { AlgorithmRegistries } from '../algorithms/registry.js';
import type { DhEngine } from '../algorithms/types.js';
import { AuthService } from '../auth/service.js';
import type { AuthAttempt, AuthBackend, AuthenticatedUser, ConnectionInfo } from '../auth/types.js';
import type { HandlerRegistry } from '../connection/handler-registry.js';
import { ConnectionService, type ChannelOpenOutcome, type ConnectionLimits } from '../connection/service.js';
import type { ChannelTypeHandler, GlobalRequestHandler } from '../connection/types.js';
import { GlobalRequest } from '../connection/messages.js';
import type { AlgorithmOffer } from '../kex/key-exchange.js';
import type { Logger } from '../log/logger.js';
import type { DisconnectError } from '../protocol/errors.js';
import { DisconnectReason, Msg } from '../protocol/numbers.js';
import type { RekeyLimits } from '../transport/rekey.js';
import { Transport } from '../transport/transport.js';
import type { HostKeySet } from './host-keys.js';
import { ClientAliveTimer, KEEPALIVE_REQUEST, type ClientAliveSettings } from './keepalive.js';

/** The byte stream a connection runs over (a socket, or stdin/stdout). */
export interface ConnectionIo {
  /** Writes bytes; false when the stream is congested until `drain`. */
  write(data: Buffer): boolean;
  /** Bytes written but not yet taken by the peer (the socket's `writableLength`). */
  pendingOutput(): number;
  /** Flushes and closes. */
  end(): void;
  pause(): void;
  resume(): void;
}

/** Everything a connection needs from its server. */
export interface SshConnectionOptions {
  readonly info: Omit<ConnectionInfo, 'clientVersion'>;
  readonly identification: string;
  readonly registries: AlgorithmRegistries;
  readonly offer: AlgorithmOffer;
  readonly hostKeys: HostKeySet;
  readonly dhEngine?: DhEngine;
  readonly strictKex?: boolean;
  readonly rekeyLimits?: RekeyLimits;
  readonly authBackend: AuthBackend<AuthenticatedUser>;
  /** Signature algorithms user keys may use (EXT_INFO server-sig-algs). */
  readonly userSignatureAlgorithms: readonly string[];
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
  readonly log: Logger;
  /** Called once the user has logged in. */
  onAuthenticated?(user: AuthenticatedUser, connection: SshConnection): void;
  /** Called after each authentication attempt (for audit; never carries a secret). */
  onAuthAttempt?(attempt: AuthAttempt): void;
  /** Called when a client's CHANNEL_OPEN has been answered. */
  onChannelOpen?(outcome: ChannelOpenOutcome, user: string): void;
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
  private readonly log: Logger;
  /** Cancels authentication work when the connection ends; dropped once authenticated. */
  private authAbort: AbortController | undefined = new AbortController();
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
    private readonly options: SshConnectionOptions,
    private readonly io: ConnectionIo,
  ) {
    this.log = options.log;
    const extensions = (): [string, Uint8Array][] => [
      ['server-sig-algs', Buffer.from(options.userSignatureAlgorithms.join(','))],
      ['publickey-hostbound@openssh.com', Buffer.from('0')],
      ['ping@openssh.com', Buffer.from('0')],
    ];
    this.transport = new Transport(
      {
        role: 'server',
        registries: options.registries,
        offer: options.offer,
        identification: options.identification,
        hostKeySigner: (alg) => options.hostKeys.signer(alg),
        ...(options.dhEngine ? { dhEngine: options.dhEngine } : {}),
        extensions,
        log: this.log,
        ...(options.strictKex === undefined ? {} : { strictKex: options.strictKex }),
        ...(options.rekeyLimits ? { rekeyLimits: options.rekeyLimits } : {}),
      },
      {
        write: (data) => this.writeOut(data),
        writeParts: (parts) => {
          for (const part of parts) this.writeOut(part);
        },
        closed: (error) => this.onTransportClosed(error),
        serviceRequested: (name) => (name === 'ssh-userauth' ? this.createAuthService() : undefined),
        writable: () => this.wakeWriters(),
        drained: () => this.onDrained(),
      },
    );
  }

  private writeOut(data: Buffer): void {
    if (!this.io.write(data)) {
      this.congested = true;
      if (this.io.pendingOutput() > OUTPUT_HIGH_WATER) this.pauseInput(PauseReason.Output);
    }
  }

  /** The logged-in user, once authenticated. */
  get user(): AuthenticatedUser | undefined {
    return this.authenticatedUser;
  }

  get info(): Omit<ConnectionInfo, 'clientVersion'> {
    return this.options.info;
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
      }, this.options.identificationTimeoutMs),
      setTimeout(() => {
        if (this.authenticatedUser) return;
        this.graceExpired = true;
        this.close(DisconnectReason.ByApplication, 'authentication timeout');
      }, this.options.loginGraceMs),
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
    const o = this.options;
    return new AuthService<AuthenticatedUser>({
      transport: this.transport,
      backend: o.authBackend,
      connection: this.connectionInfo(),
      signal: (this.authAbort ??= new AbortController()).signal,
      signatureAlgorithms: o.registries.hostKey,
      allowedSignatureAlgorithms: o.userSignatureAlgorithms,
      hostKeyBlob: this.transport.hostKeyBlob,
      ...(o.maxAuthTries === undefined ? {} : { maxAuthTries: o.maxAuthTries }),
      ...(o.banner === undefined ? {} : { banner: o.banner }),
      log: this.log,
      onSuccess: (user) => this.onAuthenticated(user),
      onAttempt: (attempt) => {
        if (attempt.result === 'failure' && attempt.method !== 'none') this.authFailures++;
        o.onAuthAttempt?.(attempt);
      },
    });
  }

  private connectionInfo(): ConnectionInfo {
    return { ...this.options.info, clientVersion: this.transport.peer.identification?.line ?? '' };
  }

  private onAuthenticated(user: AuthenticatedUser): void {
    this.authenticatedUser = user;
    // Authentication is over: there is nothing left for its signal to cancel.
    this.authAbort = undefined;
    // The identification and login grace timers have nothing left to watch.
    for (const t of this.timers.splice(0)) clearTimeout(t);
    const o = this.options;
    this.connection = new ConnectionService({
      info: this.connectionInfo(),
      user,
      channelTypes: o.channelTypes,
      globalRequests: o.globalRequests,
      log: this.log.child({ user: user.name }),
      ...(o.connectionLimits ? { limits: o.connectionLimits } : {}),
      send: (p) => this.transport.send(p),
      sendParts: (head, body) => this.transport.sendParts(head, body),
      whenWritable: () => this.whenWritable(),
      ...(o.onChannelOpen
        ? { onChannelOpen: (e: ChannelOpenOutcome) => o.onChannelOpen!(e, user.name) }
        : {}),
    });
    this.transport.setService(this.connection);
    if (ClientAliveTimer.enabled(o.clientAlive)) this.startClientAlive(o.clientAlive, this.connection);
    o.onAuthenticated?.(user, this);
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
    if (error && !error.sentByPeer)
      this.log.info({ reason: error.reason, description: error.description }, 'disconnecting');
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
    this.options.onClosed?.(this, error);
  }
}
