import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseAuthMethods } from '../../../src/users/auth-methods.js';
import { UserStoreError } from '../../../src/users/errors.js';
import { hashPassword, verifyPassword } from '../../../src/users/password-hash.js';
import { SqliteUserStore } from '../../../src/users/sqlite-store.js';
import { SFTP_ONLY_PERMISSIONS, userHome } from '../../../src/users/user-store.js';
import { fixtureKey, useTempDirs } from './store-helpers.js';

const tempDir = useTempDirs();
const FAST = { ln: 10, r: 8, p: 1 } as const;

async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserStoreError);
  expect((err as UserStoreError).code).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
}

describe('SqliteUserStore', () => {
  it('creates <data-dir>/users.db privately, in WAL mode', async () => {
    const dir = join(tempDir(), 'data');
    const store = SqliteUserStore.open(dir);
    expect(store.path).toBe(join(dir, 'users.db'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    await store.close();
    const db = new Database(join(dir, 'users.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    db.close();
  });

  it('round-trips a user with every field, across a reopen', async () => {
    const dir = tempDir();
    const hash = await hashPassword('s3cret', FAST);
    const ed = fixtureKey('id_ed25519.pub', 'from="10.0.0.0/8",no-pty');
    const rsa = fixtureKey('id_rsa3072.pub');
    let store = SqliteUserStore.open(dir);
    const added = await store.add({
      name: 'alice',
      passwordHash: hash,
      authorizedKeys: [ed, rsa],
      home: '/srv/www/alice',
      authMethods: parseAuthMethods('publickey,password'),
      permissions: SFTP_ONLY_PERMISSIONS,
      sftp: { readOnly: true, umask: 0o027 },
    });
    expect(added.createdAt.getTime()).toBeGreaterThan(Date.now() - 10_000);
    await store.close();

    store = SqliteUserStore.open(dir);
    const alice = (await store.get('alice'))!;
    expect(alice).toEqual(added);
    expect(alice.passwordHash).toBe(hash);
    expect(await verifyPassword('s3cret', alice.passwordHash!)).toBe(true);
    expect(alice.authorizedKeys.map((k) => k.fingerprint)).toEqual([ed.fingerprint, rsa.fingerprint]);
    expect(alice.authorizedKeys[0]!.options).toMatchObject({ pty: false, fromText: '10.0.0.0/8' });
    expect(alice.home).toBe('/srv/www/alice');
    expect(alice.authMethods).toEqual([['publickey', 'password']]);
    expect(alice.permissions).toEqual(SFTP_ONLY_PERMISSIONS);
    expect(alice.sftp).toEqual({ readOnly: true, umask: 0o027 });
    expect(alice.disabled).toBe(false);
    expect(Object.isFrozen(alice)).toBe(true);
    await store.close();
  });

  it('gives defaults to a bare user', async () => {
    const store = SqliteUserStore.open(tempDir());
    const bob = await store.add({ name: 'bob' });
    expect(bob.passwordHash).toBeUndefined();
    expect(bob.home).toBeUndefined();
    expect(userHome(bob, '/data')).toBe('/data/homes/bob');
    expect(bob.authorizedKeys).toEqual([]);
    expect(bob.authMethods).toEqual([['publickey'], ['password'], ['keyboard-interactive']]);
    expect(bob.permissions).toEqual({
      shell: true,
      exec: true,
      sftp: true,
      portForwarding: false,
      agentForwarding: false,
    });
    expect(bob.sftp).toEqual({ readOnly: false, umask: 0o022 });
    await store.close();
  });

  it('lists users sorted by name with their keys', async () => {
    const store = SqliteUserStore.open(tempDir());
    await store.add({ name: 'zed', authorizedKeys: [fixtureKey('id_ecdsa256.pub')] });
    await store.add({ name: 'amy' });
    await store.add({
      name: 'mia',
      authorizedKeys: [fixtureKey('id_ed25519.pub'), fixtureKey('id_ecdsa384.pub')],
    });
    const list = await store.list();
    expect(list.map((u) => u.name)).toEqual(['amy', 'mia', 'zed']);
    expect(list.map((u) => u.authorizedKeys.length)).toEqual([0, 2, 1]);
    await store.close();
  });

  it('updates, sets passwords, disables and enables', async () => {
    const store = SqliteUserStore.open(tempDir());
    const before = await store.add({ name: 'carol', home: '/home/carol' });
    await new Promise((r) => setTimeout(r, 5));
    const after = await store.update('carol', {
      home: null,
      permissions: { portForwarding: true },
      sftp: { umask: 0o077 },
      authMethods: parseAuthMethods('publickey'),
    });
    expect(after.home).toBeUndefined();
    expect(after.permissions).toMatchObject({ shell: true, portForwarding: true });
    expect(after.sftp).toEqual({ readOnly: false, umask: 0o077 });
    expect(after.authMethods).toEqual([['publickey']]);
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    expect(after.createdAt).toEqual(before.createdAt);
    expect(before.limits).toEqual({ uploadBytesPerSecond: 0, downloadBytesPerSecond: 0, maxConnections: 0 });
    const limited = await store.update('carol', { limits: { downloadBytesPerSecond: 1_048_576 } });
    expect(limited.limits).toEqual({
      uploadBytesPerSecond: 0,
      downloadBytesPerSecond: 1_048_576,
      maxConnections: 0,
    });
    const both = await store.update('carol', {
      limits: { uploadBytesPerSecond: 65_536, downloadBytesPerSecond: 0 },
    });
    expect(both.limits).toEqual({
      uploadBytesPerSecond: 65_536,
      downloadBytesPerSecond: 0,
      maxConnections: 0,
    });
    expect(before.principals).toEqual([]);
    const ops = await store.update('carol', { principals: ['ops', 'deploy@example.com'] });
    expect(ops.principals).toEqual(['ops', 'deploy@example.com']);
    expect((await store.update('carol', { principals: [] })).principals).toEqual([]);
    const few = await store.update('carol', { limits: { maxConnections: 2 } });
    expect(few.limits).toEqual({
      uploadBytesPerSecond: 65_536,
      downloadBytesPerSecond: 0,
      maxConnections: 2,
    });

    const hash = await hashPassword('pw', FAST);
    await store.setPasswordHash('carol', hash);
    expect((await store.get('carol'))!.passwordHash).toBe(hash);
    await store.setPasswordHash('carol', null);
    expect((await store.get('carol'))!.passwordHash).toBeUndefined();

    await store.setDisabled('carol', true);
    expect((await store.get('carol'))!.disabled).toBe(true);
    await store.setDisabled('carol', false);
    expect((await store.get('carol'))!.disabled).toBe(false);
    await store.close();
  });

  it('adds, lists and removes keys by fingerprint; duplicates are refused', async () => {
    const store = SqliteUserStore.open(tempDir());
    await store.add({ name: 'dave' });
    const ed = fixtureKey('id_ed25519.pub');
    await store.addKey('dave', ed);
    await store.addKey('dave', fixtureKey('id_ecdsa521.pub'));
    await expectCode(
      store.addKey('dave', fixtureKey('id_ed25519.pub', 'restrict')),
      'already-exists',
      /already has key SHA256:/,
    );
    expect((await store.listKeys('dave')).map((k) => k.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp521']);
    expect(await store.removeKey('dave', ed.fingerprint)).toBe(ed.line);
    expect((await store.listKeys('dave')).map((k) => k.type)).toEqual(['ecdsa-sha2-nistp521']);
    await expectCode(store.removeKey('dave', ed.fingerprint), 'not-found', /has no key/);
    // The same key may belong to two users.
    await store.add({ name: 'erin', authorizedKeys: [ed] });
    expect((await store.get('erin'))!.authorizedKeys[0]!.fingerprint).toBe(ed.fingerprint);
    await store.close();
  });

  it('removes a user together with their keys', async () => {
    const dir = tempDir();
    const store = SqliteUserStore.open(dir);
    await store.add({ name: 'frank', authorizedKeys: [fixtureKey('id_ed25519.pub')] });
    await store.remove('frank');
    expect(await store.get('frank')).toBeUndefined();
    await expectCode(store.remove('frank'), 'not-found', /no user named "frank"/);
    await store.close();
    const db = new Database(join(dir, 'users.db'));
    expect(db.prepare('SELECT count(*) AS n FROM authorized_keys').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses duplicates, bad names and bad fields with typed errors', async () => {
    const store = SqliteUserStore.open(tempDir());
    await store.add({ name: 'gina' });
    await expectCode(store.add({ name: 'gina' }), 'already-exists', /already exists/);
    for (const name of [
      '',
      'Gina',
      '1abc',
      '-x',
      'a b',
      'a/b',
      '..',
      'x'.repeat(33),
      'a\u0000b',
      "a' OR '1'='1",
    ]) {
      await expectCode(store.add({ name }), 'invalid', /invalid user name/);
    }
    await expectCode(store.add({ name: 'h1', passwordHash: 'plaintext' }), 'invalid', /password hash/);
    await expectCode(store.add({ name: 'h2', home: 'relative/dir' }), 'invalid', /absolute path/);
    await expectCode(store.add({ name: 'h3', sftp: { umask: 0o1000 } }), 'invalid', /umask/);
    await expectCode(store.add({ name: 'h4', authMethods: [] }), 'invalid', /auth methods/);
    await expectCode(store.add({ name: 'h6', limits: { uploadBytesPerSecond: -1 } }), 'invalid', /bandwidth/);
    await expectCode(
      store.add({ name: 'h7', limits: { downloadBytesPerSecond: 1.5 } }),
      'invalid',
      /bandwidth/,
    );
    await expectCode(
      store.add({ name: 'h8', limits: { maxConnections: -2 } }),
      'invalid',
      /connection limit/,
    );
    const tooMany = Array.from({ length: 257 }, (_, i) => `p${i}`);
    for (const principals of [['a,b'], ['a b'], [''], ['x\u0000'], ['dup', 'dup'], tooMany])
      await expectCode(store.add({ name: 'h9', principals }), 'invalid', /principal/);
    await expectCode(store.add({ name: 'h5', authMethods: [[]] }), 'invalid', /auth methods/);
    await expectCode(store.update('nobody', { disabled: true }), 'not-found');
    await expectCode(store.listKeys('nobody'), 'not-found');
    expect((await store.list()).map((u) => u.name)).toEqual(['gina']);
    await store.close();
  });

  it('answers undefined from get() for any hostile name instead of throwing (B14)', async () => {
    const store = SqliteUserStore.open(tempDir());
    await store.add({ name: 'root_' });
    for (const name of [
      'x'.repeat(64 * 1024),
      'a\u0000b',
      '\udc00',
      "a' OR '1'='1",
      '%',
      '_%',
      'ROOT_',
      'root_ ',
    ]) {
      expect(await store.get(name)).toBeUndefined();
    }
    await store.close();
  });

  it('stores prototype-named users like any other (Map and bound parameters only)', async () => {
    const store = SqliteUserStore.open(tempDir());
    for (const name of ['__proto__', 'constructor', 'tostring', '_']) await store.add({ name });
    expect((await store.list()).map((u) => u.name)).toEqual(['_', '__proto__', 'constructor', 'tostring']);
    expect((await store.get('__proto__'))!.name).toBe('__proto__');
    expect(await store.get('hasownproperty')).toBeUndefined();
    await store.close();
  });

  it('treats a name with SQL LIKE wildcards literally', async () => {
    const store = SqliteUserStore.open(tempDir());
    await store.add({ name: 'a_b' });
    expect(await store.get('axb')).toBeUndefined();
    await store.close();
  });

  it('shares one database between two handles (serve and the CLI)', async () => {
    const dir = tempDir();
    const server = SqliteUserStore.open(dir);
    const cli = SqliteUserStore.open(dir);
    await cli.add({ name: 'ivan' });
    expect((await server.get('ivan'))?.name).toBe('ivan');
    await cli.remove('ivan');
    expect(await server.get('ivan')).toBeUndefined();
    await server.close();
    await cli.close();
  });

  it('keeps parsed lookups until the database changes, through this handle or another', async () => {
    const dir = tempDir();
    const server = SqliteUserStore.open(dir);
    const cli = SqliteUserStore.open(dir);
    // Unknown, then added elsewhere: the remembered "no such user" goes with the other commit.
    expect(await server.get('judy')).toBeUndefined();
    await cli.add({ name: 'judy', authorizedKeys: [fixtureKey('id_ed25519.pub')] });
    const first = (await server.get('judy'))!;
    expect(first.authorizedKeys).toHaveLength(1);
    // Unchanged: the same parsed record (keys, KeyObjects and all), not a re-read.
    expect(await server.get('judy')).toBe(first);
    // Changed by the other handle (`sshd-kit user` while serve runs): seen at the next lookup.
    await cli.addKey('judy', fixtureKey('id_rsa3072.pub'));
    expect((await server.get('judy'))!.authorizedKeys).toHaveLength(2);
    await cli.setDisabled('judy', true);
    expect((await server.get('judy'))!.disabled).toBe(true);
    // Changed through this handle: its own commits do not move data_version, the write clears.
    await server.setDisabled('judy', false);
    expect((await server.get('judy'))!.disabled).toBe(false);
    await server.removeKey('judy', fixtureKey('id_rsa3072.pub').fingerprint);
    expect((await server.get('judy'))!.authorizedKeys).toHaveLength(1);
    // A write that fails half-way leaves nothing stale either.
    await expectCode(server.addKey('judy', fixtureKey('id_ed25519.pub')), 'already-exists');
    expect((await server.get('judy'))!.authorizedKeys).toHaveLength(1);
    await server.remove('judy');
    expect(await server.get('judy')).toBeUndefined();
    // A raw edit by another connection counts too.
    await server.add({ name: 'kate' });
    expect((await server.get('kate'))!.disabled).toBe(false);
    const raw = new Database(join(dir, 'users.db'));
    raw.prepare("UPDATE users SET disabled = 1 WHERE name = 'kate'").run();
    raw.close();
    expect((await server.get('kate'))!.disabled).toBe(true);
    await server.close();
    await cli.close();
  });
});

describe('SqliteUserStore failures surface as typed errors (B17: the auth layer fails closed)', () => {
  it('reports a write lock held by another process as unavailable; readers carry on (WAL)', async () => {
    const dir = tempDir();
    const store = SqliteUserStore.open(dir, { busyTimeoutMs: 50 });
    await store.add({ name: 'jane' });
    const writer = new Database(join(dir, 'users.db'));
    writer.exec('BEGIN IMMEDIATE');
    writer.exec("UPDATE users SET home = '/x' WHERE name = 'jane'");
    const t0 = Date.now();
    await expectCode(store.add({ name: 'kate' }), 'unavailable', /SQLITE_BUSY/);
    await expectCode(store.setDisabled('jane', true), 'unavailable', /SQLITE_BUSY/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await store.get('jane'))?.home).toBeUndefined(); // the uncommitted write is invisible
    writer.exec('ROLLBACK');
    writer.close();
    await store.add({ name: 'kate' });
    expect((await store.list()).map((u) => u.name)).toEqual(['jane', 'kate']);
    await store.close();
  });

  it('reports a database held exclusively by another process as unavailable on open, then recovers', async () => {
    const dir = tempDir();
    const first = SqliteUserStore.open(dir);
    await first.add({ name: 'jane' });
    await first.close();
    const locker = new Database(join(dir, 'users.db'));
    locker.pragma('locking_mode = EXCLUSIVE');
    locker.exec('BEGIN EXCLUSIVE');
    locker.exec('COMMIT'); // exclusive locking mode keeps the lock after the transaction
    const t0 = Date.now();
    expect(() => SqliteUserStore.open(dir, { busyTimeoutMs: 50 })).toThrow(
      expect.objectContaining({ name: 'UserStoreError', code: 'unavailable' }),
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    locker.close();
    const store = SqliteUserStore.open(dir, { busyTimeoutMs: 50 });
    expect((await store.get('jane'))?.name).toBe('jane');
    await store.close();
  });

  it('reports a file that is not a database as corrupt on open', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users.db'), 'this is not an SQLite database, just text '.repeat(200));
    let err: unknown;
    try {
      SqliteUserStore.open(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserStoreError);
    expect((err as UserStoreError).code).toBe('corrupt');
  });

  it('reports an edited row it cannot decode as corrupt', async () => {
    const dir = tempDir();
    const store = SqliteUserStore.open(dir);
    await store.add({ name: 'liam', passwordHash: await hashPassword('x', FAST) });
    const raw = new Database(join(dir, 'users.db'));
    raw.prepare("UPDATE users SET password_hash = 'md5$abc' WHERE name = 'liam'").run();
    raw.close();
    await expectCode(store.get('liam'), 'corrupt', /unreadable password hash/);
    await store.close();
  });

  it('reports a closed store as unavailable', async () => {
    const store = SqliteUserStore.open(tempDir());
    await store.close();
    await expectCode(store.get('anyone'), 'unavailable');
  });

  it('refuses a directory it cannot create as unavailable', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    expect(() => SqliteUserStore.open(join(dir, 'file', 'sub'))).toThrow(UserStoreError);
  });
});
