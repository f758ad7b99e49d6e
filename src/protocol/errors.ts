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
}
