import { describe, expect, it } from 'vitest';
import {
  buildChildEnv,
  checkClientEnv,
  checkEnvEntry,
  matchesEnvPattern,
  shellArgv0,
} from '../../../src/session/environment.js';

const connection = {
  id: 'c1',
  remoteAddress: '::ffff:192.0.2.7',
  remotePort: 50000,
  localAddress: '::ffff:192.0.2.1',
  localPort: 2222,
  clientVersion: 'SSH-2.0-test',
};

describe('session environment', () => {
  it('matches AcceptEnv-style patterns', () => {
    expect(matchesEnvPattern('LC_ALL', ['LC_*'])).toBe(true);
    expect(matchesEnvPattern('LANG', ['LC_*'])).toBe(false);
    expect(matchesEnvPattern('LANG', ['LC_*', 'LANG'])).toBe(true);
    expect(matchesEnvPattern('LC_', ['LC_?'])).toBe(false);
    expect(matchesEnvPattern('LC_X', ['LC_?'])).toBe(true);
    expect(matchesEnvPattern('ABC', ['*B*'])).toBe(true);
    expect(matchesEnvPattern('anything', [])).toBe(false);
    // Pathological patterns stay fast (no regex built from the pattern).
    expect(matchesEnvPattern('A'.repeat(256), ['*A*A*A*A*A*A*A*A*B'])).toBe(false);
  });

  it('refuses bad names, reserved names, bad values and names not accepted', () => {
    expect(checkClientEnv('LC_ALL', 'C', ['LC_*'])).toBeUndefined();
    expect(checkClientEnv('FOO', 'x', ['LC_*'])).toBe('not-accepted');
    expect(checkClientEnv('A=B', 'x', ['*'])).toBe('bad-name');
    expect(checkClientEnv('A\0B', 'x', ['*'])).toBe('bad-name');
    expect(checkClientEnv('', 'x', ['*'])).toBe('bad-name');
    expect(checkClientEnv('1X', 'x', ['*'])).toBe('bad-name');
    for (const name of [
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'NODE_OPTIONS',
      'PATH',
      'BASH_ENV',
      'HOME',
      'SSH_TTY',
      '__proto__',
    ]) {
      expect(checkClientEnv(name, 'x', ['*']), name).toBe('reserved');
    }
    expect(checkEnvEntry('OK', 'a\0b')).toBe('bad-value');
    expect(checkEnvEntry('OK', 'x'.repeat(40_000))).toBe('bad-value');
  });

  it('builds the child environment from scratch, session variables last', () => {
    process.env.SSHD_KIT_UNIT_SECRET = 'do-not-leak';
    try {
      const env = buildChildEnv({
        user: { name: 'alice', home: '/home/alice' },
        shell: '/bin/sh',
        path: '/usr/bin:/bin',
        connection,
        term: 'xterm',
        clientEnv: { LC_ALL: 'C' },
        userEnvironment: [
          { name: 'FROM_KEY', value: '1' },
          { name: 'LD_PRELOAD', value: '/evil.so' },
        ],
        originalCommand: 'ls -l',
      });
      expect({ ...env }).toEqual({
        LC_ALL: 'C',
        FROM_KEY: '1',
        HOME: '/home/alice',
        USER: 'alice',
        LOGNAME: 'alice',
        SHELL: '/bin/sh',
        PATH: '/usr/bin:/bin',
        SSH_CLIENT: '192.0.2.7 50000 2222',
        SSH_CONNECTION: '192.0.2.7 50000 192.0.2.1 2222',
        TERM: 'xterm',
        SSH_ORIGINAL_COMMAND: 'ls -l',
      });
      expect(Object.getPrototypeOf(env)).toBeNull();
    } finally {
      delete process.env.SSHD_KIT_UNIT_SECRET;
    }
  });

  it('names login shells with a leading dash', () => {
    expect(shellArgv0('/bin/bash', true)).toBe('-bash');
    expect(shellArgv0('/bin/sh', false)).toBe('sh');
  });
});
