import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { parseAuthorizedKeyLine, type AuthorizedKey } from '../../../src/users/authorized-keys.js';

const FIXTURES = new URL('../../fixtures/users/', import.meta.url);

/** A fixture public key, parsed, optionally with options in front. */
export function fixtureKey(file: string, options = ''): AuthorizedKey {
  const line = readFileSync(new URL(file, FIXTURES), 'utf8').trim();
  return parseAuthorizedKeyLine(options === '' ? line : `${options} ${line}`);
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
