import { describe, expect, it } from 'vitest';
import { AuthorizedKeyError } from '../../../src/users/errors.js';
import {
  matchPatternList,
  matchWildcard,
  parseAddress,
  parsePatternList,
} from '../../../src/users/host-patterns.js';

const match = (list: string, address: string, hostname?: string): boolean =>
  matchPatternList(parsePatternList(list), hostname === undefined ? { address } : { address, hostname });

describe('matchWildcard (ssh_config PATTERNS)', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['?', 'a', true],
    ['?', '', false],
    ['a*b', 'ab', true],
    ['a*b', 'axxxb', true],
    ['a*b', 'axxxbc', false],
    ['*.example.com', 'host.example.com', true],
    ['*.example.com', 'example.com', false],
    ['192.168.1.?', '192.168.1.7', true],
    ['192.168.1.?', '192.168.1.70', false],
    ['a*a*a*a*a*b', 'a'.repeat(5000), false],
  ])('%j against %j is %s', (pattern, text, expected) => {
    expect(matchWildcard(pattern, text)).toBe(expected);
  });

  it('stays linear on hostile patterns', () => {
    const t0 = performance.now();
    matchWildcard('*a'.repeat(500) + 'b', 'a'.repeat(20000));
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('parseAddress', () => {
  it('parses v4, v6, compressed v6 and v4-mapped v6', () => {
    expect(parseAddress('10.1.2.3')).toEqual(Uint8Array.of(10, 1, 2, 3));
    expect(parseAddress('::ffff:10.1.2.3')).toEqual(Uint8Array.of(10, 1, 2, 3));
    expect(parseAddress('::1')).toEqual(Uint8Array.of(...Array<number>(15).fill(0), 1));
    expect(parseAddress('2001:db8::1')?.length).toBe(16);
    expect(parseAddress('2001:0db8:0000:0000:0000:0000:0000:0001')).toEqual(parseAddress('2001:db8::1'));
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1::2::3',
    '2001:db8:::1',
    'g::1',
    ':1',
    'host',
    '1:2:3:4:5:6:7:8:9',
  ])('refuses %j', (text) => expect(parseAddress(text)).toBeUndefined());
});

describe('matchPatternList (sshd from= semantics)', () => {
  it('matches exact addresses and CIDR blocks', () => {
    expect(match('10.0.0.0/8', '10.200.3.4')).toBe(true);
    expect(match('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(match('192.168.1.0/24,10.1.1.1', '10.1.1.1')).toBe(true);
    expect(match('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(match('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(match('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(match('::1', '::1')).toBe(true);
  });

  it('treats IPv4-mapped IPv6 peers as IPv4 (dual-stack sockets)', () => {
    expect(match('127.0.0.0/8', '::ffff:127.0.0.1')).toBe(true);
    expect(match('127.0.0.*', '::ffff:127.0.0.1')).toBe(true);
  });

  it('matches wildcards against the address text', () => {
    expect(match('192.168.*', '192.168.44.1')).toBe(true);
    expect(match('192.168.?.1', '192.168.4.1')).toBe(true);
    expect(match('192.168.?.1', '192.168.44.1')).toBe(false);
  });

  it('lets any matching negation refuse outright, whatever the order', () => {
    expect(match('!10.1.2.3,10.0.0.0/8', '10.1.2.3')).toBe(false);
    expect(match('10.0.0.0/8,!10.1.2.3', '10.1.2.3')).toBe(false);
    expect(match('10.0.0.0/8,!10.1.2.3', '10.1.2.4')).toBe(true);
    expect(match('!10.1.2.3', '10.9.9.9')).toBe(false); // a negation alone never admits anyone
    expect(match('*,!192.168.0.0/16', '192.168.3.3')).toBe(false);
  });

  it('matches host names case-insensitively when the server resolved one', () => {
    expect(match('*.Example.COM', '203.0.113.9', 'gw.example.com')).toBe(true);
    expect(match('*.example.com', '203.0.113.9')).toBe(false);
    expect(match('*.example.com,!bad.example.com', '203.0.113.9', 'BAD.example.com')).toBe(false);
  });

  it('never matches an unparsable peer address against a CIDR entry', () => {
    expect(match('10.0.0.0/8', 'not-an-ip')).toBe(false);
  });
});

describe('parsePatternList errors', () => {
  it.each([
    ['', 'empty'],
    ['a,,b', 'empty pattern'],
    ['!', 'empty pattern'],
    ['10.0.0.1/8', 'bits set beyond its /8 mask'],
    ['10.0.0.0/33', 'not an address/masklen'],
    ['10.0.0.0/', 'not an address/masklen'],
    ['host/24', 'not an address/masklen'],
    ['2001:db8::1/32', 'bits set'],
    ['a b', 'bad character'],
    ['a\tb', 'bad character'],
  ])('refuses %j', (text, message) => {
    expect(() => parsePatternList(text)).toThrow(AuthorizedKeyError);
    expect(() => parsePatternList(text)).toThrow(message);
  });
});
