import { describe, expect, it } from 'vitest';
import { AccountRates } from '../../../src/server/account-rates.js';

describe('AccountRates', () => {
  it('gives an unlimited account nothing, and one limited account one shared pair', () => {
    const rates = new AccountRates();
    expect(rates.acquire({}, 'free', {})).toBeUndefined();
    const [a, b] = [{}, {}];
    const first = rates.acquire(a, 'site', { downloadBytesPerSecond: 1024 });
    expect(first?.download?.bytesPerSecond).toBe(1024);
    expect(first?.upload).toBeUndefined();
    expect(rates.acquire(b, 'site', { downloadBytesPerSecond: 1024 })).toBe(first);
    expect(rates.size).toBe(1);
    rates.release(a, 'site');
    expect(rates.size).toBe(1);
    rates.release(b, 'site');
    expect(rates.size).toBe(0);
  });

  it('gives connections after a change of limit a new pair, and keeps the counts apart', () => {
    const rates = new AccountRates();
    const [old, fresh] = [{}, {}];
    const before = rates.acquire(old, 'site', { uploadBytesPerSecond: 1024 });
    const after = rates.acquire(fresh, 'site', { uploadBytesPerSecond: 2048 });
    expect(after).not.toBe(before);
    expect(after?.upload?.bytesPerSecond).toBe(2048);
    // The old connection leaving does not drop the new limits…
    rates.release(old, 'site');
    expect(rates.acquire({}, 'site', { uploadBytesPerSecond: 2048 })).toBe(after);
    // …and a release twice, or of a stranger, changes nothing.
    rates.release(old, 'site');
    rates.release({}, 'site');
    expect(rates.size).toBe(1);
  });
});
