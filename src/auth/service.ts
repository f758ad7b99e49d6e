import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { SignatureAlgorithm } from '../algorithms/types.js';
import type { DecodedBlobCache, PublicKeyCache } from '../keys/public-key-cache.js';
import { silentLogger, sanitizeForLog, type Logger } from '../log/logger.js';
import { DisconnectError } from '../protocol/errors.js';
import { DisconnectReason, Msg } from '../protocol/numbers.js';
import type { ServiceResult, TransportService } from '../transport/transport.js';
import { UserauthBanner, UserauthFailure, UserauthRequest, UserauthSuccess } from './messages.js';
import { keyboardInteractiveMethod } from './methods/keyboard-interactive.js';
import type { AuthMethodHandler, MethodEnvironment, MethodOutcome } from './methods/method.js';
import { passwordMethod } from './methods/password.js';
import type { OfferedCertificate } from './certificate-cache.js';
import { publicKeyMethod } from './methods/publickey.js';
import type {
  AuthAttempt,
  AuthBackend,
  AuthContext,
  AuthMethodName,
  AuthProgress,
  ConnectionInfo,
} from './types.js';

/** The service user authentication leads to (RFC 4252 §5). */
export const CONNECTION_SERVICE = 'ssh-connection';

/** The transport operations the auth service uses. */
export interface AuthTransport {
  send(payload: Uint8Array): void;
  setAuthenticated(): void;
  disconnect(reason: (typeof DisconnectReason)[keyof typeof DisconnectReason], description: string): void;
  readonly sessionId: Uint8Array | undefined;
  readonly isOpen: boolean;
}

/** How an `ssh-userauth` service is set up. */
export interface AuthServiceOptions<User> {
  readonly transport: AuthTransport;
  readonly backend: AuthBackend<User>;
  readonly connection: ConnectionInfo;
  /**
   * Aborted when the connection ends or the login grace time runs out. Its `signal` is read only
   * when a backend asks for the context's (an AbortSignal is costly to make, and few backends
   * listen), `aborted` on every answer.
   */
  readonly abort: { readonly signal: AbortSignal; readonly aborted: boolean };
  readonly signatureAlgorithms: AlgorithmRegistry<SignatureAlgorithm>;
  /** Algorithms user keys may sign with (what EXT_INFO's server-sig-algs advertises). */
  readonly allowedSignatureAlgorithms: readonly string[];
  /** K_S of this connection (for host-bound public key authentication). */
  readonly hostKeyBlob: Uint8Array | undefined;
  /** Failed attempts allowed per connection; the next request ends it (OpenSSH MaxAuthTries, 6). */
  readonly maxAuthTries?: number;
  /** Text sent as USERAUTH_BANNER before the first answer (RFC 4252 §5.4). */
  readonly banner?: string;
  /**
   * Every failure is answered no sooner than this many milliseconds after its request, plus a
   * per-user amount, so timing does not tell unknown users from wrong passwords (as OpenSSH).
   */
  readonly minFailureMs?: number;
  /**
   * Secret for the per-user part of the failure delay: one per server, so a user's delay is the
   * same on every connection (as OpenSSH's).
   */
  readonly timingSecret: Uint8Array;
  /** Decoded client key blobs, shared by a server's connections. */
  readonly publicKeys: PublicKeyCache;
  /** Decoded client certificates with their CA signature checked, shared by a server's connections. */
  readonly certificates: DecodedBlobCache<OfferedCertificate>;
  readonly log?: Logger;
  onAttempt?(attempt: AuthAttempt): void;
  /**
   * Asked once the backend has logged `user` in, just before USERAUTH_SUCCESS: a reason when the
   * login may not go ahead (its account is at its connection limit), and the connection then ends
   * with TOO_MANY_CONNECTIONS. Called and followed by `onSuccess` in the same turn, so a count
   * it checks cannot change in between.
   */
  admit?(user: User): string | undefined;
  /** Called once, after USERAUTH_SUCCESS was sent. */
  onSuccess(user: User): void;
}

const METHODS: readonly AuthMethodHandler[] = [publicKeyMethod, passwordMethod, keyboardInteractiveMethod];

/** 0–4.2 ms derived from the user name and the server's secret (as OpenSSH's user_specific_delay). */
function userSpecificDelayMs(secret: Uint8Array, userName: string): number {
  const h = createHmac('sha256', secret).update(userName).digest();
  return (h.readUInt16BE(0) / 0xffff) * 4.2;
}

const methodFamily = (wireName: string): AuthMethodName | undefined =>
  METHODS.find((m) => m.names.includes(wireName))?.names[0] as AuthMethodName | undefined;

/**
 * The `ssh-userauth` service (RFC 4252): one request at a time (the transport awaits each),
 * method chains with partial success, MaxAuthTries, uniform failures, and nothing of the
 * connection protocol before success.
 */
export class AuthService<User> implements TransportService {
  private readonly log: Logger;
  private readonly completed: AuthMethodName[] = [];
  private failures = 0;
  private attempts = 0;
  private username: string | undefined;
  private serviceName: string | undefined;
  private pending:
    | { readonly method: AuthMethodName; readonly started: number; next(p: Buffer): Promise<MethodOutcome> }
    | undefined;
  private bannerSent = false;
  private succeeded = false;
  /** Milliseconds of this connection's user's own failure delay, once known. */
  private userDelayMs: number | undefined;
  /** What backends get: made once, its signal only when a backend reads it. */
  private readonly ctx: AuthContext;

  constructor(private readonly options: AuthServiceOptions<User>) {
    this.log = options.log ?? silentLogger;
    const { abort, connection } = options;
    this.ctx = {
      connection,
      get signal() {
        return abort.signal;
      },
    };
  }

  async handle(payload: Buffer): Promise<ServiceResult> {
    if (this.succeeded) return;
    const type = payload[0]!;
    // Numbers past the connection protocol's range are unknown here, not an attack (RFC 4253 §11.4).
    if (type >= 128) return 'unrecognized';
    if (this.pending && type === Msg.UserauthInfoResponse) {
      const { method, started, next } = this.pending;
      this.pending = undefined;
      const outcome = await next(payload);
      return this.conclude(method, started, outcome);
    }
    // A new request abandons a keyboard-interactive exchange in progress (RFC 4256 §3.4).
    this.pending = undefined;
    if (type !== Msg.UserauthRequest) {
      throw new DisconnectError(
        DisconnectReason.ProtocolError,
        `message ${type} not allowed before authentication`,
      );
    }
    const maxTries = this.options.maxAuthTries ?? 6;
    if (this.failures >= maxTries) {
      throw new DisconnectError(
        DisconnectReason.NoMoreAuthMethodsAvailable,
        'too many authentication failures',
      );
    }
    const request = UserauthRequest.decode(payload);
    if (this.username === undefined) {
      this.username = request.userName;
      this.serviceName = request.serviceName;
    } else if (this.username !== request.userName || this.serviceName !== request.serviceName) {
      throw new DisconnectError(DisconnectReason.ProtocolError, 'change of username or service not allowed');
    }
    if (request.serviceName !== CONNECTION_SERVICE) {
      throw new DisconnectError(DisconnectReason.ServiceNotAvailable, 'service not available');
    }
    this.sendBanner();
    this.attempts++;
    const started = performance.now();
    const progress = await this.options.backend.progress(request.userName, this.completed, this.ctx);
    if (this.stale) return;
    const family = methodFamily(request.methodName);
    if (request.methodName === 'none' || !family || progress.complete || !progress.next.includes(family)) {
      // The first `none` is how clients ask for the method list; it is not counted (as OpenSSH).
      const counted = !(request.methodName === 'none' && this.attempts === 1);
      return this.fail(request.methodName, started, progress, counted);
    }
    const handler = METHODS.find((m) => m.names.includes(request.methodName))!;
    const outcome = await handler.handle(request, this.environment());
    return this.conclude(family, started, outcome);
  }

  /** True once the connection ended while we were waiting: nothing more may be sent or decided. */
  private get stale(): boolean {
    return this.options.abort.aborted || !this.options.transport.isOpen;
  }

  private environment(): MethodEnvironment<User> {
    const o = this.options;
    return {
      backend: o.backend,
      ctx: this.ctx,
      sessionId: o.transport.sessionId!,
      signatureAlgorithms: o.signatureAlgorithms,
      allowedSignatureAlgorithms: o.allowedSignatureAlgorithms,
      hostKeyBlob: o.hostKeyBlob,
      publicKeys: o.publicKeys,
      certificates: o.certificates,
      log: this.log,
      send: (p) => {
        if (!this.stale) o.transport.send(p);
      },
    };
  }

  private async conclude(method: AuthMethodName, started: number, outcome: MethodOutcome): Promise<void> {
    if (this.stale) return;
    switch (outcome.kind) {
      case 'answered':
        this.audit(method, 'query-ok');
        return;
      case 'continue':
        this.pending = { method, started, next: outcome.next };
        return;
      case 'failure': {
        const progress = await this.options.backend.progress(this.username!, this.completed, this.ctx);
        return this.fail(method, started, progress, true);
      }
      case 'success':
        return this.succeed(method, started, outcome);
    }
  }

  private async succeed(
    method: AuthMethodName,
    started: number,
    { publicKey, certificate, securityKey }: Extract<MethodOutcome, { kind: 'success' }>,
  ): Promise<void> {
    const o = this.options;
    this.completed.push(method);
    const progress = await o.backend.progress(this.username!, this.completed, this.ctx);
    if (this.stale) return;
    if (!progress.complete) {
      this.audit(method, 'partial');
      o.transport.send(UserauthFailure.encode({ authentications: progress.next, partialSuccess: true }));
      return;
    }
    const user = await o.backend.login(
      this.username!,
      {
        methods: [...this.completed],
        ...(publicKey ? { publicKey } : {}),
        ...(certificate ? { certificate } : {}),
        ...(securityKey ? { securityKey } : {}),
      },
      this.ctx,
    );
    if (this.stale) return;
    if (user === undefined) {
      // The login was refused after all: the client may still try other keys or methods, so the
      // failure lists what remains, not the completed chain's nothing.
      this.completed.pop();
      const remaining = await o.backend.progress(this.username!, this.completed, this.ctx);
      if (this.stale) return;
      return this.fail(method, started, remaining, true);
    }
    const refusal = o.admit?.(user);
    if (refusal !== undefined) throw new DisconnectError(DisconnectReason.TooManyConnections, refusal);
    this.succeeded = true;
    this.audit(method, 'success');
    o.transport.send(UserauthSuccess.encode({}));
    o.transport.setAuthenticated();
    o.onSuccess(user);
  }

  private async fail(
    method: string,
    started: number,
    progress: AuthProgress,
    counted: boolean,
  ): Promise<void> {
    if (counted) this.failures++;
    this.audit(method, 'failure');
    await this.padFailure(started);
    if (this.stale) return;
    const next = progress.complete ? [] : progress.next;
    this.options.transport.send(UserauthFailure.encode({ authentications: next, partialSuccess: false }));
  }

  /** Waits so every failure takes at least the minimum plus a stable per-user amount. */
  private async padFailure(started: number): Promise<void> {
    const base = this.options.minFailureMs ?? 5;
    // The user name cannot change within a connection (RFC 4252 §5), so neither can its delay.
    this.userDelayMs ??= userSpecificDelayMs(this.options.timingSecret, this.username ?? '');
    const until = started + base + this.userDelayMs;
    // A timer counts whole milliseconds from the event loop's cached clock, so it can fire up to a
    // millisecond early: sleep again for what is left.
    for (let wait = until - performance.now(); wait > 0; wait = until - performance.now()) await sleep(wait);
  }

  private sendBanner(): void {
    if (this.bannerSent || !this.options.banner) return;
    this.bannerSent = true;
    this.options.transport.send(UserauthBanner.encode({ message: this.options.banner, languageTag: '' }));
  }

  private audit(method: string, result: AuthAttempt['result']): void {
    const username = this.username ?? '';
    this.log.info(
      { user: sanitizeForLog(username, 64), method: sanitizeForLog(method, 64), result },
      'auth attempt',
    );
    this.options.onAttempt?.({ username, method, result });
  }
}
