import { isAbsolute, join } from 'node:path';
import { MAX_PRINCIPALS } from '../keys/certificate.js';
import type { AuthChain } from './auth-methods.js';
import type { AuthorizedKey } from './authorized-keys.js';
import { UserStoreError } from './errors.js';

/** What an account may do once logged in; the session, SFTP and forwarding layers enforce it. */
export interface UserPermissions {
  /** An interactive shell (`shell` channel request, RFC 4254 §6.5). */
  readonly shell: boolean;
  /** Running a command (`exec`, RFC 4254 §6.5). */
  readonly exec: boolean;
  /** The `sftp` subsystem. */
  readonly sftp: boolean;
  /** Local and remote TCP port forwarding (RFC 4254 §7). */
  readonly portForwarding: boolean;
  /** `auth-agent-req@openssh.com` (OpenSSH PROTOCOL §2.1 / agent forwarding). */
  readonly agentForwarding: boolean;
}

/** Per-user SFTP behaviour. */
export interface SftpOptions {
  /** Refuse every SFTP operation that writes. */
  readonly readOnly: boolean;
  /** Permission bits cleared from files and directories the user creates (e.g. 0o022). */
  readonly umask: number;
}

/** Per-user limits over all the user's connections at once; 0 is no limit. */
export interface UserLimits {
  /** Bytes per second the user's clients send: SFTP and scp uploads, a shell's input, forwarded data in. */
  readonly uploadBytesPerSecond: number;
  /** Bytes per second they receive. */
  readonly downloadBytesPerSecond: number;
  /** Connections logged in at once. */
  readonly maxConnections: number;
}

/** A user as the store returns it. Records are immutable snapshots. */
export interface UserRecord {
  readonly name: string;
  /** A `password-hash.ts` string; absent when the user cannot log in with a password. */
  readonly passwordHash?: string;
  readonly authorizedKeys: readonly AuthorizedKey[];
  /** Absolute home directory; absent means the default `<data-dir>/homes/<name>` (see {@link userHome}). */
  readonly home?: string;
  /** Allowed method chains; completing any one chain logs in (see `remainingAuthMethods`). */
  readonly authMethods: readonly AuthChain[];
  readonly permissions: UserPermissions;
  readonly sftp: SftpOptions;
  readonly limits: UserLimits;
  /**
   * The principals a certificate from a `trustedUserCAKeys` CA must name one of to log in as this
   * user (sshd's AuthorizedPrincipalsFile); empty means the user's own name.
   */
  readonly principals: readonly string[];
  readonly disabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What `add()` takes: a name, and anything else left out gets the defaults. */
export interface NewUser {
  readonly name: string;
  readonly passwordHash?: string;
  readonly authorizedKeys?: readonly AuthorizedKey[];
  readonly home?: string;
  readonly authMethods?: readonly AuthChain[];
  readonly permissions?: Partial<UserPermissions>;
  readonly sftp?: Partial<SftpOptions>;
  readonly limits?: Partial<UserLimits>;
  readonly principals?: readonly string[];
  readonly disabled?: boolean;
}

/** What `update()` takes: only the fields given change; `null` clears an optional field. */
export interface UserPatch {
  readonly passwordHash?: string | null;
  readonly home?: string | null;
  readonly authMethods?: readonly AuthChain[];
  readonly permissions?: Partial<UserPermissions>;
  readonly sftp?: Partial<SftpOptions>;
  readonly limits?: Partial<UserLimits>;
  /** Replaces the list; empty goes back to the user's own name. */
  readonly principals?: readonly string[];
  readonly disabled?: boolean;
}

/**
 * Where users live. The embedded default is `SqliteUserStore`; others (PostgreSQL) implement the
 * same contract. Every method throws only `UserStoreError`; `get()` answers `undefined` for a name
 * that does not exist or could never exist, so the auth layer can pass client input straight in.
 */
export interface UserStore {
  get(name: string): Promise<UserRecord | undefined>;
  /** Every user, sorted by name. */
  list(): Promise<readonly UserRecord[]>;
  /** Throws `already-exists` for a taken name, `invalid` for a bad name or field. */
  add(user: NewUser): Promise<UserRecord>;
  update(name: string, patch: UserPatch): Promise<UserRecord>;
  /** Removes the user and their keys (not their home directory). */
  remove(name: string): Promise<void>;
  /** Set (a hash string from `hashPassword`) or clear (`null`) the password. */
  setPasswordHash(name: string, passwordHash: string | null): Promise<void>;
  setDisabled(name: string, disabled: boolean): Promise<void>;
  /** Throws `already-exists` when the user already has a key with that fingerprint. */
  addKey(name: string, key: AuthorizedKey): Promise<void>;
  listKeys(name: string): Promise<readonly AuthorizedKey[]>;
  /** Removes the key with that `SHA256:` fingerprint and returns its `authorized_keys` line. */
  removeKey(name: string, fingerprint: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Valid user names: a lower-case letter or `_`, then up to 31 of `[a-z0-9_.-]` (the POSIX portable
 * set as useradd(8) accepts it). Case-sensitive; the name is also a path component of the default home.
 */
export const USERNAME_PATTERN = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** True when `name` is a valid user name per {@link USERNAME_PATTERN}. */
export function isValidUsername(name: string): boolean {
  return USERNAME_PATTERN.test(name);
}

/** Throw `UserStoreError('invalid')` with a message that says what a valid name looks like. */
export function assertValidUsername(name: string): void {
  if (!isValidUsername(name)) {
    const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
    throw new UserStoreError(
      'invalid',
      `invalid user name ${shown}: use 1–32 characters, a lower-case letter or "_" first, then a-z 0-9 _ . -`,
    );
  }
}

/** Permissions for a new user unless told otherwise: shell, exec and SFTP; no forwarding. */
export const DEFAULT_PERMISSIONS: UserPermissions = Object.freeze({
  shell: true,
  exec: true,
  sftp: true,
  portForwarding: false,
  agentForwarding: false,
});

/** The `--sftp-only` profile for hosting accounts: SFTP and nothing else. */
export const SFTP_ONLY_PERMISSIONS: UserPermissions = Object.freeze({
  shell: false,
  exec: false,
  sftp: true,
  portForwarding: false,
  agentForwarding: false,
});

/** SFTP options for a new user unless told otherwise: read-write, umask 022. */
export const DEFAULT_SFTP_OPTIONS: SftpOptions = Object.freeze({ readOnly: false, umask: 0o022 });

/** No limits. */
export const NO_USER_LIMITS: UserLimits = Object.freeze({
  uploadBytesPerSecond: 0,
  downloadBytesPerSecond: 0,
  maxConnections: 0,
});

/** Throw `UserStoreError('invalid')` unless each limit is a whole number, 0 (none) or more. */
export function assertValidLimits(limits: Partial<UserLimits>): void {
  for (const [value, what] of [
    [limits.uploadBytesPerSecond, 'a bandwidth limit must be a whole number of bytes per second'],
    [limits.downloadBytesPerSecond, 'a bandwidth limit must be a whole number of bytes per second'],
    [limits.maxConnections, 'a connection limit must be a whole number'],
  ] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0))
      throw new UserStoreError('invalid', `${what}, not ${value}`);
  }
}

/**
 * Throw `UserStoreError('invalid')` unless `principals` are at most {@link MAX_PRINCIPALS} (what a
 * certificate may carry) distinct names of 1 to 255 printable characters, none a comma or space
 * (which `ssh-keygen -n` and AuthorizedPrincipalsFile lines use as separators).
 */
export function assertValidPrincipals(principals: readonly string[]): void {
  if (principals.length > MAX_PRINCIPALS)
    throw new UserStoreError('invalid', `at most ${MAX_PRINCIPALS} principals, not ${principals.length}`);
  for (const p of principals) {
    if (!/^[\x21-\x2b\x2d-\x7e\u0080-\uffff]{1,255}$/u.test(p))
      throw new UserStoreError(
        'invalid',
        `principal ${JSON.stringify(p)}: 1 to 255 characters, no space, comma or control`,
      );
  }
  if (new Set(principals).size !== principals.length)
    throw new UserStoreError('invalid', 'the same principal is listed twice');
}

/** Throw `UserStoreError('invalid')` unless `home` is an absolute path without NUL. */
export function assertValidHome(home: string): void {
  if (!isAbsolute(home) || home.includes('\0')) {
    throw new UserStoreError(
      'invalid',
      `home directory must be an absolute path, got ${JSON.stringify(home)}`,
    );
  }
}

/** Throw `UserStoreError('invalid')` unless `umask` is an integer in 0..0o777. */
export function assertValidUmask(umask: number): void {
  if (!Number.isInteger(umask) || umask < 0 || umask > 0o777) {
    throw new UserStoreError('invalid', `umask must be an octal value from 000 to 777, got ${umask}`);
  }
}

/** The home directory a user gets: their own, or `<data-dir>/homes/<name>`. */
export function userHome(user: Pick<UserRecord, 'name' | 'home'>, dataDir: string): string {
  return user.home ?? join(dataDir, 'homes', user.name);
}
