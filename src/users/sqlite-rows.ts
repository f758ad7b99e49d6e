import { AUTH_METHOD_NAMES, formatAuthMethods, parseAuthMethods, type AuthChain } from './auth-methods.js';
import { parseAuthorizedKeyLine, type AuthorizedKey } from './authorized-keys.js';
import { UserStoreError } from './errors.js';
import { isPasswordHash } from './password-hash.js';
import type { UserRecord } from './user-store.js';

/** A `users` row as `SELECT *` returns it at the latest schema version. */
export interface UserRow {
  readonly id: number;
  readonly name: string;
  readonly password_hash: string | null;
  readonly home: string | null;
  readonly disabled: number;
  readonly created_at: number;
  readonly updated_at: number;
  readonly auth_methods: string;
  readonly allow_shell: number;
  readonly allow_exec: number;
  readonly allow_sftp: number;
  readonly allow_port_forwarding: number;
  readonly allow_agent_forwarding: number;
  readonly sftp_read_only: number;
  readonly sftp_umask: number;
  readonly upload_limit: number;
  readonly download_limit: number;
  readonly max_connections: number;
  /** Principals separated by commas (which a principal may not contain); empty for none. */
  readonly principals: string;
}

/** An `authorized_keys` row. */
export interface KeyRow {
  readonly id: number;
  readonly user_id: number;
  readonly fingerprint: string;
  readonly line: string;
}

function corrupt(message: string, cause?: unknown): UserStoreError {
  return new UserStoreError('corrupt', `user database: ${message}`, { cause });
}

/** Parse a stored key line; a line that no longer parses means the row was edited or damaged. */
export function keyFromRow(row: KeyRow, userName: string): AuthorizedKey {
  let key: AuthorizedKey;
  try {
    key = parseAuthorizedKeyLine(row.line);
  } catch (err) {
    throw corrupt(`key ${row.fingerprint} of user "${userName}" does not parse; remove it`, err);
  }
  if (key.fingerprint !== row.fingerprint)
    throw corrupt(`key ${row.id} of "${userName}" has a wrong fingerprint`);
  return key;
}

/** Turn a row and its key rows into a frozen record; anything undecodable is `corrupt`. */
export function recordFromRow(row: UserRow, keys: readonly KeyRow[]): UserRecord {
  if (row.password_hash !== null && !isPasswordHash(row.password_hash)) {
    throw corrupt(`user "${row.name}" has an unreadable password hash; set it again with "user passwd"`);
  }
  let authMethods: readonly AuthChain[];
  try {
    authMethods = parseAuthMethods(row.auth_methods);
  } catch (err) {
    throw corrupt(`user "${row.name}" has unreadable auth methods`, err);
  }
  return Object.freeze({
    name: row.name,
    ...(row.password_hash === null ? {} : { passwordHash: row.password_hash }),
    authorizedKeys: Object.freeze(keys.map((k) => keyFromRow(k, row.name))),
    ...(row.home === null ? {} : { home: row.home }),
    authMethods,
    permissions: Object.freeze({
      shell: row.allow_shell === 1,
      exec: row.allow_exec === 1,
      sftp: row.allow_sftp === 1,
      portForwarding: row.allow_port_forwarding === 1,
      agentForwarding: row.allow_agent_forwarding === 1,
    }),
    sftp: Object.freeze({ readOnly: row.sftp_read_only === 1, umask: row.sftp_umask }),
    limits: Object.freeze({
      uploadBytesPerSecond: row.upload_limit,
      downloadBytesPerSecond: row.download_limit,
      maxConnections: row.max_connections,
    }),
    principals: Object.freeze(row.principals === '' ? [] : row.principals.split(',')),
    disabled: row.disabled === 1,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  });
}

/** Validate a chain list and write it in OpenSSH `AuthenticationMethods` syntax for the column. */
export function authMethodsColumn(chains: readonly AuthChain[]): string {
  const ok =
    chains.length > 0 &&
    chains.every((c) => c.length > 0 && c.every((m) => (AUTH_METHOD_NAMES as readonly string[]).includes(m)));
  if (!ok)
    throw new UserStoreError('invalid', 'auth methods: give at least one non-empty chain of known methods');
  return formatAuthMethods(chains);
}

// SQLite result codes (https://sqlite.org/rescode.html) grouped by what the caller can do about them.
const CORRUPT_CODES = /^SQLITE_(CORRUPT|NOTADB|FORMAT)/;

/**
 * Map anything the driver throws to a {@link UserStoreError}: damaged files are `corrupt`; locks,
 * I/O errors, a full disk, a read-only file and a closed handle are `unavailable`.
 */
export function storeError(err: unknown, doing: string): UserStoreError {
  if (err instanceof UserStoreError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && CORRUPT_CODES.test(code)) {
    return new UserStoreError('corrupt', `user database is damaged (${code}) while ${doing}: ${detail}`, {
      cause: err,
    });
  }
  const what = typeof code === 'string' ? `${code}: ${detail}` : detail;
  return new UserStoreError('unavailable', `user database unavailable while ${doing} (${what})`, {
    cause: err,
  });
}
