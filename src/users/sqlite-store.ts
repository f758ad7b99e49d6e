import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuthorizedKey } from './authorized-keys.js';
import { ANY_AUTH_METHOD } from './auth-methods.js';
import { UserStoreError } from './errors.js';
import { isPasswordHash } from './password-hash.js';
import { migrate } from './sqlite-migrations.js';
import {
  authMethodsColumn,
  keyFromRow,
  recordFromRow,
  storeError,
  type KeyRow,
  type UserRow,
} from './sqlite-rows.js';
import {
  DEFAULT_PERMISSIONS,
  DEFAULT_SFTP_OPTIONS,
  NO_USER_LIMITS,
  assertValidLimits,
  assertValidPrincipals,
  assertValidHome,
  assertValidUmask,
  assertValidUsername,
  isValidUsername,
  type NewUser,
  type UserPatch,
  type UserRecord,
  type UserStore,
} from './user-store.js';

/** The user database's file name inside the data directory. */
export const USERS_DB_FILE = 'users.db';

/** Options for {@link SqliteUserStore.open}. */
export interface SqliteUserStoreOptions {
  /**
   * How long a statement waits for another process's lock before failing `unavailable`. The driver
   * is synchronous, so this blocks the event loop while it waits: keep it short in a server. In WAL
   * mode readers never wait for writers, so only writes are exposed. Default 1000 ms.
   */
  readonly busyTimeoutMs?: number;
}

const b = (v: boolean): number => (v ? 1 : 0);

/** Most lookups kept parsed (known users and unknown names alike); past it the cache starts over. */
const MAX_CACHED_LOOKUPS = 1024;

function assertPasswordHash(hash: string): void {
  if (!isPasswordHash(hash))
    throw new UserStoreError('invalid', 'password hash is not a valid $scrypt$ string');
}

/**
 * The embedded default {@link UserStore}: SQLite (better-sqlite3) in `<data-dir>/users.db`, WAL
 * mode, parameterised statements only, schema migrations on open. The async methods wrap the
 * synchronous driver; every failure is a {@link UserStoreError}.
 *
 * `get` keeps what it parsed (a key's blob and KeyObject, the auth chains) while the database is
 * unchanged: one publickey login looks its user up as many as seven times, and each login of the
 * same user repeats it. `PRAGMA data_version` tells when another connection (`sshd-kit user` in
 * another process) has committed; this store's own writes clear the cache themselves.
 */
export class SqliteUserStore implements UserStore {
  private readonly statements = new Map<string, Database.Statement>();
  /** Parsed lookups by name (null: no such user), valid for {@link cachedVersion}. */
  private readonly lookups = new Map<string, UserRecord | null>();
  private cachedVersion: unknown;

  private constructor(
    private readonly db: Database.Database,
    /** Absolute or relative path of the database file. */
    readonly path: string,
  ) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Open (creating if needed, mode 0700 directory / 0600 file) `<dataDir>/users.db` and migrate it.
   * Throws `corrupt` for a file that is not a database, `schema-too-new`, or `unavailable`.
   */
  static open(dataDir: string, options: SqliteUserStoreOptions = {}): SqliteUserStore {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw storeError(err, `creating the data directory ${dataDir}`);
    }
    return SqliteUserStore.openFile(join(dataDir, USERS_DB_FILE), options);
  }

  /** Open a database file at an explicit path (tests, tools); see {@link SqliteUserStore.open}. */
  static openFile(path: string, options: SqliteUserStoreOptions = {}): SqliteUserStore {
    let db: Database.Database | undefined;
    try {
      closeSync(openSync(path, 'a', 0o600)); // create it private before SQLite does, with its default mode
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 1000 });
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      return new SqliteUserStore(db, path);
    } catch (err) {
      db?.close();
      throw storeError(err, `opening ${path}`);
    }
  }

  private run<T>(doing: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(storeError(err, doing));
    }
  }

  /** Runs a change, and forgets every cached lookup once it is made (or has failed half-way). */
  private write<T>(doing: string, fn: () => T): Promise<T> {
    return this.run(doing, () => {
      try {
        return fn();
      } finally {
        this.lookups.clear();
      }
    });
  }

  /** Empties the lookup cache when another connection has committed since it was filled. */
  private checkVersion(): void {
    const version = this.stmt('PRAGMA data_version').pluck().get();
    if (version !== this.cachedVersion) {
      this.lookups.clear();
      this.cachedVersion = version;
    }
  }

  private row(name: string): UserRow | undefined {
    return this.stmt('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
  }

  private mustRow(name: string): UserRow {
    assertValidUsername(name);
    const row = this.row(name);
    if (row === undefined) throw new UserStoreError('not-found', `no user named "${name}"`);
    return row;
  }

  private keyRows(userId: number): KeyRow[] {
    return this.stmt('SELECT * FROM authorized_keys WHERE user_id = ? ORDER BY id').all(userId) as KeyRow[];
  }

  private load(row: UserRow): UserRecord {
    return recordFromRow(row, this.keyRows(row.id));
  }

  private touch(id: number): void {
    this.stmt('UPDATE users SET updated_at = ? WHERE id = ?').run(Date.now(), id);
  }

  private insertKey(userId: number, userName: string, key: AuthorizedKey, now: number): void {
    const taken = this.stmt('SELECT 1 FROM authorized_keys WHERE user_id = ? AND fingerprint = ?').get(
      userId,
      key.fingerprint,
    );
    if (taken !== undefined) {
      throw new UserStoreError('already-exists', `user "${userName}" already has key ${key.fingerprint}`);
    }
    this.stmt('INSERT INTO authorized_keys (user_id, fingerprint, line, created_at) VALUES (?, ?, ?, ?)').run(
      userId,
      key.fingerprint,
      key.line,
      now,
    );
  }

  /** {@inheritDoc UserStore.get} */
  get(name: string): Promise<UserRecord | undefined> {
    return this.run(`looking up a user`, () => {
      if (!isValidUsername(name)) return undefined;
      this.checkVersion();
      const cached = this.lookups.get(name);
      if (cached !== undefined) return cached ?? undefined;
      const row = this.row(name);
      const record = row === undefined ? undefined : this.load(row);
      if (this.lookups.size >= MAX_CACHED_LOOKUPS) this.lookups.clear();
      this.lookups.set(name, record ?? null);
      return record;
    });
  }

  /** {@inheritDoc UserStore.list} */
  list(): Promise<readonly UserRecord[]> {
    return this.run('listing users', () =>
      this.db.transaction(() => {
        const rows = this.stmt('SELECT * FROM users ORDER BY name').all() as UserRow[];
        const keys = new Map<number, KeyRow[]>();
        for (const k of this.stmt('SELECT * FROM authorized_keys ORDER BY id').all() as KeyRow[]) {
          const list = keys.get(k.user_id) ?? [];
          list.push(k);
          keys.set(k.user_id, list);
        }
        return Object.freeze(rows.map((r) => recordFromRow(r, keys.get(r.id) ?? [])));
      })(),
    );
  }

  /** {@inheritDoc UserStore.add} */
  add(user: NewUser): Promise<UserRecord> {
    return this.write(`adding user "${user.name}"`, () => {
      assertValidUsername(user.name);
      if (user.passwordHash !== undefined) assertPasswordHash(user.passwordHash);
      if (user.home !== undefined) assertValidHome(user.home);
      const perms = { ...DEFAULT_PERMISSIONS, ...user.permissions };
      const sftp = { ...DEFAULT_SFTP_OPTIONS, ...user.sftp };
      assertValidUmask(sftp.umask);
      const limits = { ...NO_USER_LIMITS, ...user.limits };
      assertValidLimits(limits);
      const principals = user.principals ?? [];
      assertValidPrincipals(principals);
      const methods = authMethodsColumn(user.authMethods ?? ANY_AUTH_METHOD);
      const now = Date.now();
      return this.db
        .transaction(() => {
          if (this.row(user.name) !== undefined) {
            throw new UserStoreError('already-exists', `a user named "${user.name}" already exists`);
          }
          const { lastInsertRowid } = this.stmt(
            `INSERT INTO users (name, password_hash, home, disabled, created_at, updated_at, auth_methods,
               allow_shell, allow_exec, allow_sftp, allow_port_forwarding, allow_agent_forwarding,
               sftp_read_only, sftp_umask, upload_limit, download_limit, max_connections, principals)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            user.name,
            user.passwordHash ?? null,
            user.home ?? null,
            b(user.disabled ?? false),
            now,
            now,
            methods,
            b(perms.shell),
            b(perms.exec),
            b(perms.sftp),
            b(perms.portForwarding),
            b(perms.agentForwarding),
            b(sftp.readOnly),
            sftp.umask,
            limits.uploadBytesPerSecond,
            limits.downloadBytesPerSecond,
            limits.maxConnections,
            principals.join(','),
          );
          for (const key of user.authorizedKeys ?? [])
            this.insertKey(Number(lastInsertRowid), user.name, key, now);
          return this.load(this.row(user.name)!);
        })
        .immediate();
    });
  }

  /** {@inheritDoc UserStore.update} */
  update(name: string, patch: UserPatch): Promise<UserRecord> {
    return this.write(`updating user "${name}"`, () =>
      this.db
        .transaction(() => {
          const row = this.mustRow(name);
          const sets: string[] = [];
          const values: (string | number | null)[] = [];
          const set = (column: string, value: string | number | null): void => {
            sets.push(`${column} = ?`);
            values.push(value);
          };
          if (patch.passwordHash !== undefined) {
            if (patch.passwordHash !== null) assertPasswordHash(patch.passwordHash);
            set('password_hash', patch.passwordHash);
          }
          if (patch.home !== undefined) {
            if (patch.home !== null) assertValidHome(patch.home);
            set('home', patch.home);
          }
          if (patch.authMethods !== undefined) set('auth_methods', authMethodsColumn(patch.authMethods));
          if (patch.disabled !== undefined) set('disabled', b(patch.disabled));
          const p = patch.permissions ?? {};
          if (p.shell !== undefined) set('allow_shell', b(p.shell));
          if (p.exec !== undefined) set('allow_exec', b(p.exec));
          if (p.sftp !== undefined) set('allow_sftp', b(p.sftp));
          if (p.portForwarding !== undefined) set('allow_port_forwarding', b(p.portForwarding));
          if (p.agentForwarding !== undefined) set('allow_agent_forwarding', b(p.agentForwarding));
          if (patch.sftp?.readOnly !== undefined) set('sftp_read_only', b(patch.sftp.readOnly));
          if (patch.sftp?.umask !== undefined) {
            assertValidUmask(patch.sftp.umask);
            set('sftp_umask', patch.sftp.umask);
          }
          if (patch.limits !== undefined) {
            assertValidLimits(patch.limits);
            const { uploadBytesPerSecond: up, downloadBytesPerSecond: down, maxConnections } = patch.limits;
            if (up !== undefined) set('upload_limit', up);
            if (down !== undefined) set('download_limit', down);
            if (maxConnections !== undefined) set('max_connections', maxConnections);
          }
          if (patch.principals !== undefined) {
            assertValidPrincipals(patch.principals);
            set('principals', patch.principals.join(','));
          }
          set('updated_at', Date.now());
          // Column names come from the fixed list above, never from input; values are bound.
          this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, row.id);
          return this.load(this.row(name)!);
        })
        .immediate(),
    );
  }

  /** {@inheritDoc UserStore.remove} */
  remove(name: string): Promise<void> {
    return this.write(`removing user "${name}"`, () => {
      const row = this.mustRow(name);
      this.stmt('DELETE FROM users WHERE id = ?').run(row.id);
    });
  }

  /** {@inheritDoc UserStore.setPasswordHash} */
  async setPasswordHash(name: string, passwordHash: string | null): Promise<void> {
    await this.update(name, { passwordHash });
  }

  /** {@inheritDoc UserStore.setDisabled} */
  async setDisabled(name: string, disabled: boolean): Promise<void> {
    await this.update(name, { disabled });
  }

  /** {@inheritDoc UserStore.addKey} */
  addKey(name: string, key: AuthorizedKey): Promise<void> {
    return this.write(`adding a key to "${name}"`, () =>
      this.db
        .transaction(() => {
          const row = this.mustRow(name);
          this.insertKey(row.id, name, key, Date.now());
          this.touch(row.id);
        })
        .immediate(),
    );
  }

  /** {@inheritDoc UserStore.listKeys} */
  listKeys(name: string): Promise<readonly AuthorizedKey[]> {
    return this.run(`listing the keys of "${name}"`, () => {
      const row = this.mustRow(name);
      return Object.freeze(this.keyRows(row.id).map((k) => keyFromRow(k, name)));
    });
  }

  /** {@inheritDoc UserStore.removeKey} */
  removeKey(name: string, fingerprint: string): Promise<string> {
    return this.write(`removing a key from "${name}"`, () =>
      this.db
        .transaction(() => {
          const row = this.mustRow(name);
          const key = this.keyRows(row.id).find((k) => k.fingerprint === fingerprint);
          if (key === undefined)
            throw new UserStoreError('not-found', `user "${name}" has no key ${fingerprint}`);
          this.stmt('DELETE FROM authorized_keys WHERE id = ?').run(key.id);
          this.touch(row.id);
          return key.line;
        })
        .immediate(),
    );
  }

  /** {@inheritDoc UserStore.close} */
  close(): Promise<void> {
    return this.run('closing', () => {
      if (this.db.open) this.db.close();
    });
  }
}
