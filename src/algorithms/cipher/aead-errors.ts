import { DisconnectError, DisconnectReason } from '../../protocol/index.js';

/** The DISCONNECT every AEAD cipher throws when a packet fails authentication (RFC 4253 §11.1). */
export function macError(cipherName: string, cause?: unknown): DisconnectError {
  return new DisconnectError(DisconnectReason.MacError, `${cipherName}: packet authentication failed`, {
    cause,
  });
}
