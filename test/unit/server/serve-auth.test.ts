import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../../src/auth/types.js';
import { silentLogger } from '../../../src/log/logger.js';
import { withServerAuthMethods } from '../../../src/server/serve-auth.js';
import { createUserAuthBackend } from '../../../src/server/user-auth-backend.js';
import { ANY_AUTH_METHOD, parseAuthMethods } from '../../../src/users/auth-methods.js';
import { SqliteUserStore } from '../../../src/users/sqlite-store.js';

// Server-wide AuthenticationMethods over the real SQLite-backed auth backend.
describe('withServerAuthMethods', () => {
  let dir: string;
  let store: SqliteUserStore;
  const ctx = {
    connection: {
      id: 'x',
      remoteAddress: '127.0.0.1',
      remotePort: 1,
      localAddress: '127.0.0.1',
      localPort: 2,
      clientVersion: '',
    },
    signal: new AbortController().signal,
  } as AuthContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-auth-'));
    store = SqliteUserStore.open(dir);
    await store.add({ name: 'anyone' });
    await store.add({ name: 'strict', authMethods: parseAuthMethods('publickey,keyboard-interactive') });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const backend = () => createUserAuthBackend({ store, dataDir: dir, log: silentLogger });

  it('"any" leaves the backend untouched', () => {
    const b = backend();
    expect(withServerAuthMethods(b, ANY_AUTH_METHOD)).toBe(b);
  });

  it('a user with no policy of their own must complete one of the server chains', async () => {
    const b = withServerAuthMethods(backend(), parseAuthMethods('publickey,password'));
    expect(await b.progress('anyone', [], ctx)).toEqual({ complete: false, next: ['publickey'] });
    expect(await b.progress('anyone', ['publickey'], ctx)).toEqual({ complete: false, next: ['password'] });
    expect(await b.progress('anyone', ['password'], ctx)).toEqual({ complete: false, next: ['publickey'] });
    expect(await b.progress('anyone', ['publickey', 'password'], ctx)).toEqual({ complete: true });
  });

  it('both the user’s chains and the server’s must be satisfied', async () => {
    const b = withServerAuthMethods(backend(), parseAuthMethods('publickey,password'));
    expect(await b.progress('strict', [], ctx)).toEqual({ complete: false, next: ['publickey'] });
    const after = await b.progress('strict', ['publickey'], ctx);
    expect(after).toEqual({ complete: false, next: ['keyboard-interactive', 'password'] });
    expect(await b.progress('strict', ['publickey', 'keyboard-interactive'], ctx)).toEqual({
      complete: false,
      next: ['password'],
    });
    expect(await b.progress('strict', ['publickey', 'keyboard-interactive', 'password'], ctx)).toEqual({
      complete: true,
    });
  });

  it('unknown users look the same as known ones', async () => {
    const b = withServerAuthMethods(backend(), parseAuthMethods('publickey,password'));
    expect(await b.progress('nobody', [], ctx)).toEqual(await b.progress('anyone', [], ctx));
  });
});
