import { withoutStackTrace } from '../util/without-stack-trace.js';
import { disconnectReasonName, type DisconnectReasonCode } from './numbers.js';

/**
 * Thrown by protocol code when the connection must end. Only the transport's read loop catches it:
 * it sends SSH_MSG_DISCONNECT with {@link DisconnectError.reason} (RFC 4253 §11.1) and closes.
 */
export class DisconnectError extends Error {
  override readonly name = 'DisconnectError';
  constructor(
    readonly reason: DisconnectReasonCode,
    /** Text sent to the peer in the DISCONNECT message: never secrets. */
    readonly description: string,
    options?: {
      cause?: unknown;
      /** True when the peer sent the DISCONNECT and we are only reporting it. */
      sentByPeer?: boolean;
    },
  ) {
    super(`${disconnectReasonName(reason)}: ${description}`, { cause: options?.cause });
    this.sentByPeer = options?.sentByPeer ?? false;
  }
  /** True when the peer disconnected us with this reason. */
  readonly sentByPeer: boolean;

  /**
   * The peer's DISCONNECT (RFC 4253 §11.1), to close with: its goodbye, not a fault, so made
   * without a stack, which would say nothing and costs tens of microseconds per connection.
   */
  static fromPeer(reason: DisconnectReasonCode, description: string): DisconnectError {
    return withoutStackTrace(() => new DisconnectError(reason, description, { sentByPeer: true }));
  }
}
