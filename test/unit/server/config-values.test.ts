import { describe, expect, it } from 'vitest';
import {
  checkPermitEntry,
  ConfigValueError,
  formatListenAddress,
  parseListenAddress,
  parseRekeyLimit,
  parseSize,
  parseTimeSeconds,
} from '../../../src/server/config-values.js';
import { closestMatch, editDistance } from '../../../src/server/config-suggest.js';

describe('sshd_config value syntaxes', () => {
  it('time formats (sshd_config(5) TIME FORMATS)', () => {
    expect(parseTimeSeconds(120)).toBe(120);
    expect(parseTimeSeconds('120')).toBe(120);
    expect(parseTimeSeconds('2m')).toBe(120);
    expect(parseTimeSeconds('1h30m')).toBe(5400);
    expect(parseTimeSeconds('1W2D')).toBe(604800 + 2 * 86400);
    expect(parseTimeSeconds('10s')).toBe(10);
    for (const bad of ['', 'soon', '1.5', '-3', '1h 30m', 'm'])
      expect(() => parseTimeSeconds(bad)).toThrow(ConfigValueError);
    expect(() => parseTimeSeconds(1.5)).toThrow(ConfigValueError);
  });

  it('sizes and RekeyLimit', () => {
    expect(parseSize('512')).toBe(512);
    expect(parseSize('4K')).toBe(4096);
    expect(parseSize('1g')).toBe(2 ** 30);
    expect(() => parseSize('1T')).toThrow(ConfigValueError);
    expect(parseRekeyLimit('1G 1h')).toEqual({ bytes: 2 ** 30, seconds: 3600 });
    expect(parseRekeyLimit('default none')).toEqual({});
    expect(parseRekeyLimit('default 30m')).toEqual({ seconds: 1800 });
    expect(parseRekeyLimit('100M')).toEqual({ bytes: 100 * 2 ** 20 });
    expect(parseRekeyLimit(0)).toEqual({});
    expect(() => parseRekeyLimit('8')).toThrow(/at least 16 bytes/);
    expect(() => parseRekeyLimit('1G 1h 1')).toThrow(ConfigValueError);
    expect(() => parseRekeyLimit('lots')).toThrow(ConfigValueError);
  });

  it('listen addresses', () => {
    expect(parseListenAddress('0.0.0.0', 2222)).toEqual({ host: '0.0.0.0', port: 2222 });
    expect(parseListenAddress('127.0.0.1:22', 2222)).toEqual({ host: '127.0.0.1', port: 22 });
    expect(parseListenAddress('[::1]:2300', 2222)).toEqual({ host: '::1', port: 2300 });
    expect(parseListenAddress('[::1]', 2222)).toEqual({ host: '::1', port: 2222 });
    expect(parseListenAddress('::', 2222)).toEqual({ host: '::', port: 2222 });
    expect(parseListenAddress('localhost', 0)).toEqual({ host: 'localhost', port: 0 });
    expect(formatListenAddress({ host: '::1', port: 22 })).toBe('[::1]:22');
    expect(formatListenAddress({ host: '10.0.0.1', port: 22 })).toBe('10.0.0.1:22');
    for (const bad of ['', ':22', 'host:65536', 'host:x', '[::1]:99999'])
      expect(() => parseListenAddress(bad, 22)).toThrow(ConfigValueError);
  });

  it('PermitOpen and PermitListen entries', () => {
    for (const ok of ['any', 'none', 'localhost:80', '*:443', 'db.internal:*', '[::1]:22', '10.0.0.1:5432'])
      expect(checkPermitEntry(ok, false)).toBe(ok);
    for (const bad of ['80', 'host', 'host:70000', ':80', '::1:22', 'a b:1'])
      expect(() => checkPermitEntry(bad, false)).toThrow(ConfigValueError);
    for (const ok of ['8080', '*', 'localhost:9000', '[::1]:22', 'any'])
      expect(checkPermitEntry(ok, true)).toBe(ok);
    for (const bad of ['host', ':80', '70000'])
      expect(() => checkPermitEntry(bad, true)).toThrow(ConfigValueError);
  });

  it('did-you-mean suggestions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    const keys = ['maxAuthTries', 'maxSessions', 'maxStartups', 'macs', 'port'];
    expect(closestMatch('MAXAUTHTRIES', keys)).toBe('maxAuthTries');
    expect(closestMatch('max-sessions', keys)).toBe('maxSessions');
    expect(closestMatch('maxStartup', keys)).toBe('maxStartups');
    expect(closestMatch('prot', keys)).toBe('port');
    expect(closestMatch('completely-different', keys)).toBeUndefined();
  });
});
