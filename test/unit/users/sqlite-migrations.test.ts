import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UserStoreError } from '../../../src/users/errors.js';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, migrate } from '../../../src/users/sqlite-migrations.js';
import { SqliteUserStore } from '../../../src/users/sqlite-store.js';
import { fixtureKey, useTempDirs } from './store-helpers.js';

const tempDir = useTempDirs();

const columns = (db: Database.Database, table: string): string[] =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

describe('user database migrations', () => {
  it('are numbered 1, 2, … in order', () => {
    expect(SQLITE_MIGRATIONS.map((m) => m.version)).toEqual(SQLITE_MIGRATIONS.map((_, i) => i + 1));
    expect(SQLITE_SCHEMA_VERSION).toBe(SQLITE_MIGRATIONS.length);
  });

  it('build the latest schema from an empty file', () => {
    const db = new Database(join(tempDir(), 'users.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(migrate(db)).toBe(SQLITE_SCHEMA_VERSION);
    expect(columns(db, 'users')).toEqual([
      'id',
      'name',
      'password_hash',
      'home',
      'disabled',
      'created_at',
      'updated_at',
      'auth_methods',
      'allow_shell',
      'allow_exec',
      'allow_sftp',
      'allow_port_forwarding',
      'allow_agent_forwarding',
      'sftp_read_only',
      'sftp_umask',
      'upload_limit',
      'download_limit',
      'max_connections',
      'principals',
    ]);
    expect(columns(db, 'authorized_keys')).toEqual(['id', 'user_id', 'fingerprint', 'line', 'created_at']);
    expect(migrate(db)).toBe(SQLITE_SCHEMA_VERSION); // idempotent
    db.close();
  });

  it('upgrade a version-1 database with users and keys in it, keeping them', async () => {
    const dir = tempDir();
    const path = join(dir, 'users.db');
    const key = fixtureKey('id_ed25519.pub', 'no-pty');
    const v1 = new Database(path);
    expect(migrate(v1, 1)).toBe(1);
    expect(columns(v1, 'users')).not.toContain('auth_methods');
    const now = Date.UTC(2025, 0, 1);
    const { lastInsertRowid } = v1
      .prepare(
        'INSERT INTO users (name, password_hash, home, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run('olduser', null, '/srv/old', 1, now, now);
    v1.prepare(
      'INSERT INTO authorized_keys (user_id, fingerprint, line, created_at) VALUES (?, ?, ?, ?)',
    ).run(lastInsertRowid, key.fingerprint, key.line, now);
    v1.close();

    const store = SqliteUserStore.open(dir);
    const user = (await store.get('olduser'))!;
    expect(user).toMatchObject({ name: 'olduser', home: '/srv/old', disabled: true });
    expect(user.createdAt).toEqual(new Date(now));
    expect(user.authorizedKeys.map((k) => k.fingerprint)).toEqual([key.fingerprint]);
    expect(user.authorizedKeys[0]!.options.pty).toBe(false);
    // Columns added by step 2 take their defaults.
    expect(user.authMethods).toEqual([['publickey'], ['password'], ['keyboard-interactive']]);
    expect(user.permissions).toEqual({
      shell: true,
      exec: true,
      sftp: true,
      portForwarding: false,
      agentForwarding: false,
    });
    expect(user.sftp).toEqual({ readOnly: false, umask: 0o022 });
    // And step 3's: no limits.
    expect(user.limits).toEqual({ uploadBytesPerSecond: 0, downloadBytesPerSecond: 0, maxConnections: 0 });
    expect(user.principals).toEqual([]);
    await store.close();

    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
  });

  it('refuse a database from a newer sshd-kit', () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'users.db'));
    migrate(db);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    let err: unknown;
    try {
      SqliteUserStore.open(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserStoreError);
    expect((err as UserStoreError).code).toBe('schema-too-new');
    expect((err as Error).message).toMatch(/upgrade sshd-kit/);
  });

  it('leave the database at the last complete step when a step fails', () => {
    const db = new Database(join(tempDir(), 'users.db'));
    migrate(db, 1);
    db.exec('ALTER TABLE users ADD COLUMN auth_methods TEXT'); // makes step 2 collide
    expect(() => migrate(db)).toThrow(/duplicate column/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(columns(db, 'users')).not.toContain('allow_shell');
    db.close();
  });
});
