import { describe, expect, it } from 'vitest';
import { DisconnectError } from '../../../src/protocol/errors.js';
import { DisconnectReason } from '../../../src/protocol/numbers.js';
import { DEFAULT_PEER_LIMITS, PeerLimits } from '../../../src/transport/peer-limits.js';

const reasonOf = (f: () => void): number | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(DisconnectError);
    return (err as DisconnectError).reason;
  }
};

describe('PeerLimits', () => {
  it('allows pre-authentication noise up to the budget, then ends with PROTOCOL_ERROR', () => {
    const limits = new PeerLimits({ ...DEFAULT_PEER_LIMITS, preAuthNoiseBytes: 100 });
    expect(reasonOf(() => limits.preAuthNoise(60))).toBeUndefined();
    expect(reasonOf(() => limits.preAuthNoise(40))).toBeUndefined();
    expect(reasonOf(() => limits.preAuthNoise(1))).toBe(DisconnectReason.ProtocolError);
  });

  it('allows a burst of back-to-back re-exchanges, then one per refill period', () => {
    const limits = new PeerLimits(DEFAULT_PEER_LIMITS, 0);
    for (let i = 0; i < DEFAULT_PEER_LIMITS.rekeyBurst; i++) {
      expect(reasonOf(() => limits.peerRekey(0, 1000))).toBeUndefined();
    }
    expect(reasonOf(() => limits.peerRekey(0, 1000))).toBe(DisconnectReason.ProtocolError);

    const later = new PeerLimits(DEFAULT_PEER_LIMITS, 0);
    for (let i = 0; i < DEFAULT_PEER_LIMITS.rekeyBurst; i++) later.peerRekey(0, 0);
    const refill = DEFAULT_PEER_LIMITS.rekeyRefillMs;
    expect(reasonOf(() => later.peerRekey(0, refill))).toBeUndefined();
    expect(reasonOf(() => later.peerRekey(0, refill + 1))).toBe(DisconnectReason.ProtocolError);
  });

  it('never limits a re-exchange that follows enough traffic (a client with a small RekeyLimit)', () => {
    const limits = new PeerLimits(DEFAULT_PEER_LIMITS, 0);
    for (let i = 0; i < 1000; i++) {
      expect(reasonOf(() => limits.peerRekey(DEFAULT_PEER_LIMITS.rekeyFreeAfterBytes, i))).toBeUndefined();
    }
  });

  it('does not bank more than the burst during a long quiet time', () => {
    const limits = new PeerLimits(DEFAULT_PEER_LIMITS, 0);
    const hourLater = 3_600_000;
    for (let i = 0; i < DEFAULT_PEER_LIMITS.rekeyBurst; i++) limits.peerRekey(0, hourLater);
    expect(reasonOf(() => limits.peerRekey(0, hourLater))).toBe(DisconnectReason.ProtocolError);
  });
});
