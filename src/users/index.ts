/** The user store, password hashing and `authorized_keys` handling (the `users/` layer). */
export { UserStoreError, UserStoreErrorCode, AuthorizedKeyError, PasswordHashError } from './errors.js';
export {
  type UserStore,
  type UserRecord,
  type NewUser,
  type UserPatch,
  type UserPermissions,
  type SftpOptions,
  type UserLimits,
  USERNAME_PATTERN,
  isValidUsername,
  assertValidUsername,
  DEFAULT_PERMISSIONS,
  SFTP_ONLY_PERMISSIONS,
  DEFAULT_SFTP_OPTIONS,
  NO_USER_LIMITS,
  userHome,
} from './user-store.js';
export {
  AUTH_METHOD_NAMES,
  ANY_AUTH_METHOD,
  type AuthMethodName,
  type AuthChain,
  type AuthProgress,
  parseAuthMethods,
  formatAuthMethods,
  remainingAuthMethods,
} from './auth-methods.js';
export { SqliteUserStore, USERS_DB_FILE, type SqliteUserStoreOptions } from './sqlite-store.js';
export { SQLITE_SCHEMA_VERSION } from './sqlite-migrations.js';
export {
  MAX_PASSWORD_BYTES,
  DEFAULT_SCRYPT_PARAMS,
  type ScryptParams,
  hashPassword,
  verifyPassword,
  dummyVerify,
  needsRehash,
  isPasswordHash,
} from './password-hash.js';
export { type AuthorizedKey, parseAuthorizedKeyLine, parseAuthorizedKeys } from './authorized-keys.js';
export {
  type AuthorizedKeyOptions,
  type HostPort,
  type EnvironmentEntry,
  DEFAULT_KEY_OPTIONS,
} from './authorized-key-options.js';
export { type HostPattern, type PeerIdentity, parsePatternList, matchPatternList } from './host-patterns.js';
export {
  type KeyUseVerdict,
  checkKeyUse,
  checkCertificateAuthorityUse,
  forcedCommandConflict,
  sessionRestrictions,
} from './key-policy.js';
export {
  type CertificateRestrictions,
  type CertificateVerdict,
  type PrincipalRule,
  checkUserCertificate,
} from './certificate-policy.js';
