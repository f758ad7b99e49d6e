import { describe, expect, it } from 'vitest';
import { DisconnectError } from '../../../src/protocol/errors.js';
import { DisconnectReason } from '../../../src/protocol/numbers.js';

describe('DisconnectError', () => {
  it("reports a peer's DISCONNECT with its reason, and without stack frames", () => {
    const e = DisconnectError.fromPeer(DisconnectReason.ByApplication, 'bye');
    expect(e).toBeInstanceOf(DisconnectError);
    expect([e.reason, e.description, e.sentByPeer]).toEqual([DisconnectReason.ByApplication, 'bye', true]);
    expect(e.message).toBe('ByApplication: bye');
    expect(e.stack?.split('\n')).toEqual(['DisconnectError: ByApplication: bye']);
  });

  it('keeps the stack of one we raise ourselves', () => {
    const e = new DisconnectError(DisconnectReason.ProtocolError, 'bad packet');
    expect(e.sentByPeer).toBe(false);
    expect(e.stack?.split('\n').length).toBeGreaterThan(1);
  });
});
