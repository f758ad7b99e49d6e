import type { Readable, Writable } from 'node:stream';
import type { AuthenticatedUser, ConnectionInfo } from '../auth/types.js';
import type { Logger } from '../log/logger.js';
import type { ChannelOpenFailureCode } from '../protocol/numbers.js';

/** A CHANNEL_OPEN from the client, as a channel type handler sees it (RFC 4254 §5.1). */
export interface ChannelOpenRequest {
  readonly type: string;
  /** The type-specific fields, to decode with the handler's own declaration. */
  readonly data: Buffer;
}

/** A channel type handler's answer: accept with a function that runs the channel, or refuse. */
export type ChannelOpenDecision =
  | { readonly ok: true; readonly run: (channel: Channel) => Promise<void> }
  | { readonly ok: false; readonly reason: ChannelOpenFailureCode; readonly description?: string };

/** What handlers know about the connection they serve. */
export interface ConnectionContext {
  readonly info: ConnectionInfo;
  readonly user: AuthenticatedUser;
  readonly log: Logger;
  /** Opens a channel towards the client (forwarded-tcpip, auth-agent@openssh.com, ...). */
  openChannel(type: string, data: Uint8Array): Promise<Channel>;
  /** Number of open channels of a type on this connection. */
  countChannels(type: string): number;
  /**
   * Aborted when the connection ends. Made when first asked for: in Node 20 an AbortSignal
   * costs about 1 KB, and most connections never need one.
   */
  readonly signal: AbortSignal;
}

/** Handles CHANNEL_OPEN for one channel type (`session`, `direct-tcpip`, `name@domain`). */
export interface ChannelTypeHandler {
  readonly name: string;
  open(request: ChannelOpenRequest, conn: ConnectionContext): Promise<ChannelOpenDecision>;
}

/** A CHANNEL_REQUEST on an open channel (RFC 4254 §5.4). */
export interface ChannelRequest {
  readonly type: string;
  readonly wantReply: boolean;
  /** Type-specific fields. */
  readonly data: Buffer;
}

/** A channel request handler's answer; `unhandled` lets the next handler try (finally: failure). */
export type RequestOutcome = 'success' | 'failure' | 'unhandled';

/** How a command or shell ended (RFC 4254 §6.10). */
export type ExitStatus =
  number | { readonly signal: string; readonly coreDumped: boolean; readonly message?: string };

/**
 * An open channel as its handler sees it: Node streams in both directions with real flow control
 * (reading `input` is what opens our window; writes wait for the client's window).
 */
export interface Channel {
  /** Our channel number. */
  readonly id: number;
  readonly type: string;
  readonly conn: ConnectionContext;
  /** Data from the client; ends at the client's EOF. */
  readonly input: Readable;
  /** Data to the client. Ending it (and `stderr`) sends EOF. */
  readonly output: Writable;
  /** Extended data type 1 (stderr) to the client. */
  readonly stderr: Writable;
  /** Adds a handler for channel requests; handlers run in the order added. */
  onRequest(handler: (request: ChannelRequest) => Promise<RequestOutcome> | RequestOutcome): void;
  /** Sends a channel request to the client. */
  sendRequest(type: string, data: Uint8Array): void;
  /** Flushes output, sends EOF, `exit-status`/`exit-signal`, and closes. */
  exit(status: ExitStatus): Promise<void>;
  /** Flushes output and closes the channel. */
  close(): Promise<void>;
  /** Resolves when both sides have closed. */
  readonly closed: Promise<void>;
  /** Aborted when the channel closes (the client closed it or the connection ended). */
  readonly signal: AbortSignal;
}

/** A GLOBAL_REQUEST (RFC 4254 §4). */
export interface GlobalRequestInput {
  readonly name: string;
  readonly wantReply: boolean;
  readonly data: Buffer;
}

/** A global request handler's answer. */
export type GlobalRequestResult = { readonly ok: true; readonly data?: Uint8Array } | { readonly ok: false };

/** Handles one global request name (`tcpip-forward`, `name@domain`). */
export interface GlobalRequestHandler {
  readonly name: string;
  handle(request: GlobalRequestInput, conn: ConnectionContext): Promise<GlobalRequestResult>;
}
