/** What went wrong in a {@link UserStoreError}; callers branch on this, never on the message. */
export const UserStoreErrorCode = {
  /** The named user (or key) does not exist. */
  NotFound: 'not-found',
  /** A user with that name (or that key for that user) already exists. */
  AlreadyExists: 'already-exists',
  /** The input was refused: bad username, malformed hash, bad auth-method list, ... */
  Invalid: 'invalid',
  /** The store cannot answer right now: database locked or busy, I/O error, closed. */
  Unavailable: 'unavailable',
  /** The store's data cannot be trusted: not a database, corrupt pages, undecodable rows. */
  Corrupt: 'corrupt',
  /** The database was written by a newer sshd-kit (schema version above what we know). */
  SchemaTooNew: 'schema-too-new',
} as const;

/** One of the {@link UserStoreErrorCode} values. */
export type UserStoreErrorCode = (typeof UserStoreErrorCode)[keyof typeof UserStoreErrorCode];

/**
 * The one error type a `UserStore` throws. The auth layer fails closed on every code except
 * `not-found`, which `get()` reports as `undefined` instead of throwing.
 */
export class UserStoreError extends Error {
  override readonly name = 'UserStoreError';
  constructor(
    readonly code: UserStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown for a malformed `authorized_keys` line (sshd(8) AUTHORIZED_KEYS FILE FORMAT). */
export class AuthorizedKeyError extends Error {
  override readonly name = 'AuthorizedKeyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Thrown for a malformed or unsupported password hash string, or a password we refuse to hash. */
export class PasswordHashError extends Error {
  override readonly name = 'PasswordHashError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
