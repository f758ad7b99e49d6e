import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ANY_AUTH_METHOD } from '../../../src/users/auth-methods.js';
import { parseAuthorizedKeyLine, type AuthorizedKey } from '../../../src/users/authorized-keys.js';
import {
  DEFAULT_PERMISSIONS,
  DEFAULT_SFTP_OPTIONS,
  NO_USER_LIMITS,
  type UserRecord,
} from '../../../src/users/user-store.js';

const FIXTURES = new URL('../../fixtures/users/', import.meta.url);

/** A fixture public key, parsed, optionally with options in front. */
export function fixtureKey(file: string, options = ''): AuthorizedKey {
  const line = readFileSync(new URL(file, FIXTURES), 'utf8').trim();
  return parseAuthorizedKeyLine(options === '' ? line : `${options} ${line}`);
}

/** A user record as the store would return it: defaults, with `overrides`. */
export function userRecord(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    name: 'u',
    authorizedKeys: [],
    authMethods: ANY_AUTH_METHOD,
    permissions: DEFAULT_PERMISSIONS,
    sftp: DEFAULT_SFTP_OPTIONS,
    limits: NO_USER_LIMITS,
    principals: [],
    disabled: false,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

/** A fresh temp directory per call, removed after the test. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'sshd-kit-users-'));
    dirs.push(d);
    return d;
  };
}
