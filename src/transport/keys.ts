import type { CompressionAlgorithm } from '../algorithms/types.js';
import { deriveKeys } from '../kex/derive-keys.js';
import type { KexOutcome, KexParticipant } from '../kex/key-exchange.js';
import { DisconnectReason } from '../protocol/numbers.js';
import { DisconnectError } from '../protocol/errors.js';
import {
  createInbound,
  createOutbound,
  type InboundProtection,
  type OutboundProtection,
} from './packet-protection.js';

/** Packet protection and compression for both directions after one key exchange. */
export interface InstalledKeys {
  readonly inbound: InboundProtection;
  readonly outbound: OutboundProtection;
  readonly compressionIn: CompressionAlgorithm;
  readonly compressionOut: CompressionAlgorithm;
}

/** Derives the keys of RFC 4253 §7.2 and builds the ciphers, MACs and compression for each direction. */
export function installKeys(me: KexParticipant, outcome: KexOutcome, sessionId: Uint8Array): InstalledKeys {
  const { registries } = me;
  const n = outcome.negotiated;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new DisconnectError(DisconnectReason.KeyExchangeFailed, `${what} is not available`);
    return value;
  };
  const cipherC2S = need(registries.cipher.get(n.cipherClientToServer), n.cipherClientToServer);
  const cipherS2C = need(registries.cipher.get(n.cipherServerToClient), n.cipherServerToClient);
  const macC2S =
    n.macClientToServer === undefined
      ? undefined
      : need(registries.mac.get(n.macClientToServer), n.macClientToServer);
  const macS2C =
    n.macServerToClient === undefined
      ? undefined
      : need(registries.mac.get(n.macServerToClient), n.macServerToClient);
  const keys = deriveKeys(outcome.kex.hash, outcome.sharedSecret, outcome.exchangeHash, sessionId, {
    ivClientToServer: cipherC2S.ivLength,
    ivServerToClient: cipherS2C.ivLength,
    keyClientToServer: cipherC2S.keyLength,
    keyServerToClient: cipherS2C.keyLength,
    macKeyClientToServer: macC2S?.keyLength ?? 0,
    macKeyServerToClient: macS2C?.keyLength ?? 0,
  });
  const c2s = {
    cipher: cipherC2S,
    mac: macC2S,
    key: keys.keyClientToServer,
    iv: keys.ivClientToServer,
    macKey: keys.macKeyClientToServer,
  };
  const s2c = {
    cipher: cipherS2C,
    mac: macS2C,
    key: keys.keyServerToClient,
    iv: keys.ivServerToClient,
    macKey: keys.macKeyServerToClient,
  };
  const server = me.role === 'server';
  const compC2S = need(registries.compression.get(n.compressionClientToServer), n.compressionClientToServer);
  const compS2C = need(registries.compression.get(n.compressionServerToClient), n.compressionServerToClient);
  return {
    inbound: createInbound(server ? c2s : s2c),
    outbound: createOutbound(server ? s2c : c2s),
    compressionIn: server ? compC2S : compS2C,
    compressionOut: server ? compS2C : compC2S,
  };
}
