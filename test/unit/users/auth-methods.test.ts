import { describe, expect, it } from 'vitest';
import {
  ANY_AUTH_METHOD,
  formatAuthMethods,
  parseAuthMethods,
  remainingAuthMethods,
} from '../../../src/users/auth-methods.js';
import { UserStoreError } from '../../../src/users/errors.js';

describe('parseAuthMethods (sshd_config AuthenticationMethods syntax)', () => {
  it('parses chains and alternatives', () => {
    expect(parseAuthMethods('publickey,password')).toEqual([['publickey', 'password']]);
    expect(parseAuthMethods(' publickey,password   publickey,keyboard-interactive ')).toEqual([
      ['publickey', 'password'],
      ['publickey', 'keyboard-interactive'],
    ]);
    expect(parseAuthMethods('password')).toEqual([['password']]);
  });

  it('reads "any" and "" as any single method', () => {
    expect(parseAuthMethods('any')).toBe(ANY_AUTH_METHOD);
    expect(parseAuthMethods('')).toBe(ANY_AUTH_METHOD);
    expect(ANY_AUTH_METHOD).toEqual([['publickey'], ['password'], ['keyboard-interactive']]);
  });

  it.each([
    'publickey,',
    ',password',
    'publickey,,password',
    'hostbased',
    'none',
    'PASSWORD',
    'keyboard-interactive:pam',
  ])('refuses %j naming the problem', (text) => {
    expect(() => parseAuthMethods(text)).toThrow(UserStoreError);
    expect(() => parseAuthMethods(text)).toThrow(/auth methods: (unknown method|an empty method name)/);
  });

  it('formats back to the same syntax', () => {
    for (const text of ['any', 'publickey,password', 'publickey,password password', 'keyboard-interactive']) {
      expect(formatAuthMethods(parseAuthMethods(text))).toBe(text);
    }
    expect(formatAuthMethods([['password'], ['publickey']])).toBe('password publickey');
  });
});

describe('remainingAuthMethods (OpenSSH auth2.c chain semantics)', () => {
  const chains = parseAuthMethods('publickey,password publickey,keyboard-interactive');

  it('offers the heads of every chain first', () => {
    expect(remainingAuthMethods(chains, [])).toEqual({ complete: false, next: ['publickey'] });
    expect(remainingAuthMethods(ANY_AUTH_METHOD, [])).toEqual({
      complete: false,
      next: ['publickey', 'password', 'keyboard-interactive'],
    });
  });

  it('reports partial success and then completion', () => {
    expect(remainingAuthMethods(chains, ['publickey'])).toEqual({
      complete: false,
      next: ['password', 'keyboard-interactive'],
    });
    expect(remainingAuthMethods(chains, ['publickey', 'password'])).toEqual({ complete: true });
    expect(remainingAuthMethods(chains, ['publickey', 'keyboard-interactive'])).toEqual({ complete: true });
  });

  it('never completes a chain out of order', () => {
    const strict = parseAuthMethods('publickey,password');
    expect(remainingAuthMethods(strict, ['password'])).toEqual({ complete: false, next: ['publickey'] });
    expect(remainingAuthMethods(strict, ['password', 'publickey'])).toEqual({
      complete: false,
      next: ['password'],
    });
    expect(remainingAuthMethods(strict, ['password', 'publickey', 'password'])).toEqual({ complete: true });
  });

  it('supports the same method twice in a chain', () => {
    const twoKeys = parseAuthMethods('publickey,publickey');
    expect(remainingAuthMethods(twoKeys, ['publickey'])).toEqual({ complete: false, next: ['publickey'] });
    expect(remainingAuthMethods(twoKeys, ['publickey', 'publickey'])).toEqual({ complete: true });
  });

  it('answers an empty next list when nothing can follow', () => {
    expect(remainingAuthMethods([], [])).toEqual({ complete: false, next: [] });
  });
});
