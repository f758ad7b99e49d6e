import type { Database } from 'better-sqlite3';
import { UserStoreError } from './errors.js';

/** One schema step of the embedded user database; `version` is what `PRAGMA user_version` becomes. */
export interface SqliteMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * The ordered schema steps. Append only: a released step is never edited, since databases in the
 * field already ran it. `PRAGMA user_version` records how many have been applied.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = Object.freeze([
  {
    version: 1,
    description: 'users and their authorized keys',
    sql: `
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        name          TEXT    NOT NULL UNIQUE,
        password_hash TEXT,
        home          TEXT,
        disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE authorized_keys (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        fingerprint TEXT    NOT NULL,
        line        TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        UNIQUE (user_id, fingerprint)
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'per-user auth method chains, permissions and SFTP options',
    sql: `
      ALTER TABLE users ADD COLUMN auth_methods TEXT NOT NULL DEFAULT 'any';
      ALTER TABLE users ADD COLUMN allow_shell INTEGER NOT NULL DEFAULT 1 CHECK (allow_shell IN (0, 1));
      ALTER TABLE users ADD COLUMN allow_exec INTEGER NOT NULL DEFAULT 1 CHECK (allow_exec IN (0, 1));
      ALTER TABLE users ADD COLUMN allow_sftp INTEGER NOT NULL DEFAULT 1 CHECK (allow_sftp IN (0, 1));
      ALTER TABLE users ADD COLUMN allow_port_forwarding INTEGER NOT NULL DEFAULT 0
        CHECK (allow_port_forwarding IN (0, 1));
      ALTER TABLE users ADD COLUMN allow_agent_forwarding INTEGER NOT NULL DEFAULT 0
        CHECK (allow_agent_forwarding IN (0, 1));
      ALTER TABLE users ADD COLUMN sftp_read_only INTEGER NOT NULL DEFAULT 0 CHECK (sftp_read_only IN (0, 1));
      ALTER TABLE users ADD COLUMN sftp_umask INTEGER NOT NULL DEFAULT 18 CHECK (sftp_umask BETWEEN 0 AND 511);
    `,
  },
  {
    version: 3,
    description:
      'per-user limits (bandwidth in bytes per second, connections at once; 0 for none) and certificate principals',
    sql: `
      ALTER TABLE users ADD COLUMN upload_limit INTEGER NOT NULL DEFAULT 0 CHECK (upload_limit >= 0);
      ALTER TABLE users ADD COLUMN download_limit INTEGER NOT NULL DEFAULT 0 CHECK (download_limit >= 0);
      ALTER TABLE users ADD COLUMN max_connections INTEGER NOT NULL DEFAULT 0 CHECK (max_connections >= 0);
      ALTER TABLE users ADD COLUMN principals TEXT NOT NULL DEFAULT '';
    `,
  },
]);

/** The schema version this build writes. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/**
 * Bring `db` up to `target` (default: the latest), one transaction per step so a failure leaves the
 * database at the last complete version. Refuses a database newer than this build
 * (`UserStoreError('schema-too-new')`) rather than guessing at its meaning.
 */
export function migrate(db: Database, target = SQLITE_SCHEMA_VERSION): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new UserStoreError(
      'schema-too-new',
      `the user database is at schema version ${current}, newer than this sshd-kit understands ` +
        `(${SQLITE_SCHEMA_VERSION}); upgrade sshd-kit`,
    );
  }
  for (const step of SQLITE_MIGRATIONS) {
    if (step.version <= current || step.version > target) continue;
    db.transaction(() => {
      // Read again under the write lock: another process may have run this step meanwhile.
      if ((db.pragma('user_version', { simple: true }) as number) >= step.version) return;
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
