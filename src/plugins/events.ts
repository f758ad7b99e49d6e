import type { AuthAttempt, ConnectionInfo } from '../auth/types.js';
import type { Logger } from '../log/logger.js';
import type { DisconnectReasonCode } from '../protocol/numbers.js';

/** A connection as events describe it (the client's version line is not known when it opens). */
export type EventConnection = Omit<ConnectionInfo, 'clientVersion'>;

/**
 * What a server reports as it runs, for audit, metrics and plugins (style-study S9). Events are
 * notifications: listeners cannot change what the server does, and a listener that throws is
 * logged with its plugin's name and otherwise ignored.
 */
export interface ServerEventMap {
  /** A client connected (before the key exchange). */
  'connection.open': { readonly conn: EventConnection };
  /** One authentication attempt (RFC 4252 §5); never carries a secret. */
  'auth.attempt': {
    readonly conn: EventConnection;
    readonly username: string;
    readonly method: string;
    readonly result: AuthAttempt['result'];
  };
  /** A CHANNEL_OPEN was answered (RFC 4254 §5.1); `chan` is our channel number when accepted. */
  'channel.open': {
    readonly conn: EventConnection;
    readonly user: string;
    readonly type: string;
    readonly accepted: boolean;
    readonly chan?: number;
  };
  /** One SFTP request was answered (draft-ietf-secsh-filexfer-02 status code, milliseconds taken). */
  'sftp.op': {
    readonly conn: EventConnection;
    readonly user: string;
    readonly op: string;
    readonly path?: string;
    readonly status: number;
    readonly ms: number;
  };
  /** A connection ended; `reason` is the DISCONNECT reason when one was sent or received. */
  'connection.close': {
    readonly conn: EventConnection;
    readonly user?: string;
    readonly reason?: DisconnectReasonCode;
  };
}

/** The names of {@link ServerEventMap}. */
export const SERVER_EVENTS = [
  'connection.open',
  'auth.attempt',
  'channel.open',
  'sftp.op',
  'connection.close',
] as const satisfies readonly (keyof ServerEventMap)[];

/** A listener of one event; a returned promise is not awaited, but its rejection is logged. */
export type EventListener<E> = (event: E) => void | Promise<void>;

/** Subscribing to typed events; `on` returns a function that unsubscribes. */
export interface TypedEvents<M> {
  on<K extends keyof M & string>(event: K, listener: EventListener<M[K]>): () => void;
}

interface Subscription {
  readonly listener: EventListener<never>;
  /** Who subscribed (a plugin's name), for logs. */
  readonly owner: string;
}

/**
 * The typed event emitter a server owns. Emitting calls every listener synchronously in
 * subscription order; a listener that throws or rejects is logged with its owner and does not
 * stop the others.
 */
export class ServerEventEmitter implements TypedEvents<ServerEventMap> {
  private readonly subscriptions = new Map<string, Subscription[]>();

  constructor(private readonly log: Logger) {}

  /** Subscribes `listener` on behalf of `owner` (default `library`). */
  on<K extends keyof ServerEventMap & string>(
    event: K,
    listener: EventListener<ServerEventMap[K]>,
    owner = 'library',
  ): () => void {
    if (!(SERVER_EVENTS as readonly string[]).includes(event))
      throw new Error(`unknown server event "${event}" (one of ${SERVER_EVENTS.join(', ')})`);
    const entry: Subscription = { listener: listener as EventListener<never>, owner };
    const list = this.subscriptions.get(event) ?? [];
    this.subscriptions.set(event, [...list, entry]);
    return () => {
      const now = this.subscriptions.get(event) ?? [];
      this.subscriptions.set(
        event,
        now.filter((s) => s !== entry),
      );
    };
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof ServerEventMap): number {
    return this.subscriptions.get(event)?.length ?? 0;
  }

  /** Calls the listeners of `event`. Never throws. */
  emit<K extends keyof ServerEventMap & string>(event: K, payload: ServerEventMap[K]): void {
    const list = this.subscriptions.get(event);
    if (!list) return;
    for (const { listener, owner } of list) {
      const failed = (err: unknown) =>
        this.log.error({ err, plugin: owner, event }, 'server event listener failed');
      try {
        const result = (listener as EventListener<ServerEventMap[K]>)(payload);
        if (result instanceof Promise) result.catch(failed);
      } catch (err) {
        failed(err);
      }
    }
  }
}
