import { DisconnectError } from '../protocol/errors.js';
import { DisconnectReason } from '../protocol/numbers.js';

/** How much a peer may make the transport work for nothing. */
export interface PeerLimitSettings {
  /**
   * Payload bytes of messages that do nothing (IGNORE, DEBUG, UNIMPLEMENTED, and unknown types
   * answered with UNIMPLEMENTED) a peer may send before it authenticates.
   */
  readonly preAuthNoiseBytes: number;
  /** Key re-exchanges a peer may start in a row without traffic between them. */
  readonly rekeyBurst: number;
  /** Milliseconds in which one more such re-exchange becomes allowed. */
  readonly rekeyRefillMs: number;
  /** Traffic (bytes both ways) since the last exchange after which a peer's re-exchange is always allowed. */
  readonly rekeyFreeAfterBytes: number;
}

/**
 * Defaults: 64 KiB of pre-authentication noise (clients send a few small IGNOREs at most), and
 * 10 back-to-back re-exchanges then one more per second, unless 64 KiB moved since the last one.
 * A client with `RekeyLimit 1M` re-keys as often as it likes while data flows (OpenSSH counts its
 * limit a little differently, so it may re-key after half a MiB by our count), and one with a
 * time limit of a second or more is never cut off; a flood of KEXINIT is, after ten.
 */
export const DEFAULT_PEER_LIMITS: PeerLimitSettings = {
  preAuthNoiseBytes: 64 * 1024,
  rekeyBurst: 10,
  rekeyRefillMs: 1_000,
  rekeyFreeAfterBytes: 64 * 1024,
};

/**
 * Bounds the work a peer can cause without doing anything useful (security catalogue A17 and
 * A33): a flood of IGNORE/DEBUG before authentication, and KEXINIT after KEXINIT once authenticated
 * (each exchange costs the server a key agreement and a signature). Either ends in
 * DISCONNECT with PROTOCOL_ERROR (RFC 4253 §11.1).
 */
export class PeerLimits {
  private noise = 0;
  private rekeyTokens: number;
  private refilledAt: number;

  constructor(
    private readonly settings: PeerLimitSettings = DEFAULT_PEER_LIMITS,
    now = Date.now(),
  ) {
    this.rekeyTokens = settings.rekeyBurst;
    this.refilledAt = now;
  }

  /** Counts a message of `bytes` that did nothing, sent before authentication. */
  preAuthNoise(bytes: number): void {
    this.noise += bytes;
    if (this.noise > this.settings.preAuthNoiseBytes) {
      throw new DisconnectError(
        DisconnectReason.ProtocolError,
        'too many ignored messages before authentication',
      );
    }
  }

  /** The peer starts a key re-exchange after `trafficBytes` moved since the previous one. */
  peerRekey(trafficBytes: number, now = Date.now()): void {
    if (trafficBytes >= this.settings.rekeyFreeAfterBytes) return;
    const s = this.settings;
    const refills = Math.floor((now - this.refilledAt) / s.rekeyRefillMs);
    if (refills > 0) {
      this.rekeyTokens = Math.min(s.rekeyBurst, this.rekeyTokens + refills);
      this.refilledAt += refills * s.rekeyRefillMs;
    }
    if (this.rekeyTokens === 0) {
      throw new DisconnectError(DisconnectReason.ProtocolError, 'too many key re-exchanges');
    }
    this.rekeyTokens--;
  }
}
