import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientAliveTimer } from '../../../src/server/keepalive.js';

describe('ClientAliveTimer (OpenSSH ClientAliveInterval / ClientAliveCountMax)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function timer(intervalSeconds: number, countMax: number) {
    const events: string[] = [];
    const t = new ClientAliveTimer(
      { intervalSeconds, countMax },
      {
        probe: () => events.push(`probe@${Date.now()}`),
        timeout: (n) => events.push(`timeout(${n})@${Date.now()}`),
      },
    );
    return { t, events };
  }

  it('probes after each silent interval and disconnects after countMax unanswered probes', () => {
    vi.setSystemTime(0);
    const { t, events } = timer(2, 3);
    t.start();
    vi.advanceTimersByTime(20_000);
    expect(events).toEqual(['probe@2000', 'probe@4000', 'probe@6000', 'timeout(3)@8000']);
  });

  it('a reply resets the count; received data postpones the next probe', () => {
    vi.setSystemTime(0);
    const { t, events } = timer(1, 2);
    t.start();
    vi.advanceTimersByTime(1000); // probe 1
    vi.advanceTimersByTime(500);
    t.activity(); // at 1500: the reply arrives
    t.replied();
    vi.advanceTimersByTime(900); // 2400: not yet idle for 1 s
    expect(events).toEqual(['probe@1000']);
    vi.advanceTimersByTime(100); // 2500: idle 1 s -> probe
    vi.advanceTimersByTime(1000); // 3500: probe
    vi.advanceTimersByTime(1000); // 4500: third unanswered -> timeout
    expect(events).toEqual(['probe@1000', 'probe@2500', 'probe@3500', 'timeout(2)@4500']);
  });

  it('countMax 0 probes forever without disconnecting; interval 0 does nothing; stop() cancels', () => {
    vi.setSystemTime(0);
    const forever = timer(1, 0);
    forever.t.start();
    vi.advanceTimersByTime(10_000);
    expect(forever.events).toHaveLength(10);
    expect(forever.events.some((e) => e.startsWith('timeout'))).toBe(false);
    forever.t.stop();
    vi.advanceTimersByTime(10_000);
    expect(forever.events).toHaveLength(10);

    const off = timer(0, 3);
    off.t.start();
    vi.advanceTimersByTime(60_000);
    expect(off.events).toEqual([]);
    expect(ClientAliveTimer.enabled({ intervalSeconds: 0, countMax: 3 })).toBe(false);
    expect(ClientAliveTimer.enabled(undefined)).toBe(false);
  });
});
