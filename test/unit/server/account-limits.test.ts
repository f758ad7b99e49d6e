import { describe, expect, it } from 'vitest';
import { AccountLimits } from '../../../src/server/account-limits.js';

describe('AccountLimits', () => {
  it('gives an unlimited account no rates, and one limited account one shared pair', () => {
    const limits = new AccountLimits();
    const free = {};
    expect(limits.admit(free, 'free', {})).toBeUndefined();
    expect(limits.ratesOf(free)).toBeUndefined();
    const [a, b] = [{}, {}];
    expect(limits.admit(a, 'site', { downloadBytesPerSecond: 1024 })).toBeUndefined();
    expect(limits.admit(b, 'site', { downloadBytesPerSecond: 1024 })).toBeUndefined();
    const shared = limits.ratesOf(a);
    expect(shared?.download?.bytesPerSecond).toBe(1024);
    expect(shared?.upload).toBeUndefined();
    expect(limits.ratesOf(b)).toBe(shared);
    expect(limits.limitedAccounts).toBe(1);
    limits.release(a);
    expect(limits.limitedAccounts).toBe(1);
    limits.release(b);
    expect(limits.limitedAccounts).toBe(0);
    expect(limits.loggedIn('site')).toBe(0);
  });

  it('gives connections after a change of limit a new pair, and keeps the counts apart', () => {
    const limits = new AccountLimits();
    const [old, fresh, third] = [{}, {}, {}];
    limits.admit(old, 'site', { uploadBytesPerSecond: 1024 });
    limits.admit(fresh, 'site', { uploadBytesPerSecond: 2048 });
    expect(limits.ratesOf(fresh)).not.toBe(limits.ratesOf(old));
    expect(limits.ratesOf(fresh)?.upload?.bytesPerSecond).toBe(2048);
    // The old connection leaving does not drop the new limits…
    limits.release(old);
    limits.admit(third, 'site', { uploadBytesPerSecond: 2048 });
    expect(limits.ratesOf(third)).toBe(limits.ratesOf(fresh));
    // …and a release twice, or of a stranger, changes nothing.
    limits.release(old);
    limits.release({});
    expect(limits.loggedIn('site')).toBe(2);
  });

  it('refuses a login past maxConnections until one of the account’s connections closes', () => {
    const limits = new AccountLimits();
    const [a, b, c] = [{}, {}, {}];
    expect(limits.admit(a, 'site', { maxConnections: 2 })).toBeUndefined();
    expect(limits.admit(b, 'site', { maxConnections: 2 })).toBeUndefined();
    expect(limits.admit(c, 'site', { maxConnections: 2 })).toBe(
      'too many connections for site (2 of at most 2 already logged in)',
    );
    expect(limits.admit({}, 'other', { maxConnections: 2 })).toBeUndefined();
    limits.release(a);
    expect(limits.admit(c, 'site', { maxConnections: 2 })).toBeUndefined();
    expect(limits.loggedIn('site')).toBe(2);
  });
});
