import { DisconnectError, DisconnectReason } from '../../protocol/index.js';

/** The DISCONNECT for an invalid peer value in a key exchange (RFC 4253 §11.1 KEY_EXCHANGE_FAILED). */
export function kexFailed(description: string, cause?: unknown): DisconnectError {
  return new DisconnectError(DisconnectReason.KeyExchangeFailed, description, { cause });
}

/** The DISCONNECT for a key exchange message that arrives when none is expected (RFC 4253 §11.1). */
export function kexOutOfOrder(name: string): DisconnectError {
  return new DisconnectError(DisconnectReason.ProtocolError, `${name}: unexpected key exchange message`);
}
