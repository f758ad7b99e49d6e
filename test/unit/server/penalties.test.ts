import { describe, expect, it } from 'vitest';
import { DEFAULT_PENALTIES, SourcePenalties } from '../../../src/server/penalties.js';

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
};

describe('per-source penalties (OpenSSH PerSourcePenalties)', () => {
  it('refuses a source once its penalty passes min, until it runs down', () => {
    const c = clock();
    const p = new SourcePenalties({ ...DEFAULT_PENALTIES, exempt: '' }, c.now);
    for (let i = 0; i < 3; i++) p.penalize('203.0.113.7', 'authfail');
    expect(p.isRefused('203.0.113.7')).toBe(false); // 15 s accrued: not past min
    p.penalize('203.0.113.7', 'noauth');
    expect(p.isRefused('203.0.113.7')).toBe(true); // 16 s
    expect(p.isRefused('203.0.113.8')).toBe(false);
    c.advance(1.5);
    expect(p.isRefused('203.0.113.7')).toBe(false);
  });

  it('caps the penalty at max', () => {
    const c = clock();
    const p = new SourcePenalties({ ...DEFAULT_PENALTIES, exempt: '' }, c.now);
    for (let i = 0; i < 1000; i++) p.penalize('198.51.100.1', 'grace-exceeded');
    c.advance(600 - 15 + 1);
    expect(p.isRefused('198.51.100.1')).toBe(false);
  });

  it('exempts loopback by default and honours an exempt list with CIDR blocks', () => {
    const p = new SourcePenalties(DEFAULT_PENALTIES);
    for (let i = 0; i < 10; i++) p.penalize('127.0.0.1', 'authfail');
    expect(p.isRefused('127.0.0.1')).toBe(false);
    const q = new SourcePenalties({ ...DEFAULT_PENALTIES, exempt: '10.0.0.0/8' });
    for (let i = 0; i < 10; i++) q.penalize('10.1.2.3', 'authfail');
    expect(q.isRefused('10.1.2.3')).toBe(false);
  });

  it('treats an IPv4-mapped address as its IPv4 source, and penalises by block', () => {
    const p = new SourcePenalties({ ...DEFAULT_PENALTIES, exempt: '', ipv6Prefix: 64 });
    for (let i = 0; i < 4; i++) p.penalize('::ffff:192.0.2.9', 'authfail');
    expect(p.isRefused('192.0.2.9')).toBe(true);
    for (let i = 0; i < 4; i++) p.penalize('2001:db8::1', 'authfail');
    expect(p.isRefused('2001:db8::ffff')).toBe(true);
    expect(p.isRefused('2001:db8:1::1')).toBe(false);
  });

  it('keeps the table bounded: past maxSources new sources go unpenalised', () => {
    const p = new SourcePenalties({ ...DEFAULT_PENALTIES, exempt: '', maxSources: 100 });
    for (let i = 0; i < 1000; i++)
      for (let j = 0; j < 4; j++) p.penalize(`10.0.${i >> 8}.${i & 255}`, 'authfail');
    expect(p.size).toBeLessThanOrEqual(100);
  });

  it('ignores what is not an IP address (stdio connections)', () => {
    const p = new SourcePenalties({ ...DEFAULT_PENALTIES, exempt: '' });
    for (let i = 0; i < 10; i++) p.penalize('stdio', 'authfail');
    expect(p.isRefused('stdio')).toBe(false);
  });
});
