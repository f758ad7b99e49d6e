import { join } from 'node:path';
import type {
  AuthBackend,
  AuthContext,
  AuthenticatedUser,
  AuthMethodName,
  AuthProgress,
} from '../auth/types.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import type { PublicKey } from '../keys/types.js';
import type { Logger } from '../log/logger.js';
import { ANY_AUTH_METHOD, remainingAuthMethods } from '../users/auth-methods.js';
import type { AuthorizedKey } from '../users/authorized-keys.js';
import { checkKeyUse, sessionRestrictions } from '../users/key-policy.js';
import { dummyVerify, verifyPassword } from '../users/password-hash.js';
import { userHome, type UserRecord, type UserStore } from '../users/user-store.js';

/** Options of {@link createUserAuthBackend}. */
export interface UserAuthBackendOptions {
  readonly store: UserStore;
  /** Data directory, for default home directories. */
  readonly dataDir: string;
  /** Where default homes go (`<homesDir>/<name>`); default `<dataDir>/homes` (config `homesDir`). */
  readonly homesDir?: string;
  /** Methods the server offers at all; a user's chains are narrowed to them. */
  readonly methods?: readonly AuthMethodName[];
  readonly log: Logger;
}

const sameBlob = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(b);

/**
 * The {@link AuthBackend} over a {@link UserStore}: unknown, disabled and password-less users are
 * answered exactly like wrong credentials (a dummy hash keeps the timing), and a store failure
 * fails closed (logged, answered as a failure).
 */
export function createUserAuthBackend(options: UserAuthBackendOptions): AuthBackend<AuthenticatedUser> {
  const { store, log } = options;
  const offered = options.methods;

  const lookup = async (name: string): Promise<UserRecord | undefined> => {
    try {
      const user = await store.get(name);
      return user && !user.disabled ? user : undefined;
    } catch (err) {
      log.error({ err }, 'user store failed during authentication');
      return undefined;
    }
  };

  const findKey = (
    user: UserRecord | undefined,
    key: PublicKey,
    ctx: AuthContext,
  ): AuthorizedKey | undefined =>
    user?.authorizedKeys.find(
      (k) => sameBlob(k.blob, key.blob) && checkKeyUse(k, { address: ctx.connection.remoteAddress }).ok,
    );

  return {
    async progress(username, completed): Promise<AuthProgress> {
      const user = await lookup(username);
      let chains = user?.authMethods ?? ANY_AUTH_METHOD;
      if (offered) chains = chains.filter((c) => c.every((m) => offered.includes(m)));
      const progress = remainingAuthMethods(chains, completed);
      return progress.complete ? progress : { complete: false, next: progress.next };
    },

    async verifyPassword(username, password) {
      const user = await lookup(username);
      if (!user?.passwordHash) return dummyVerify(password);
      try {
        return await verifyPassword(password, user.passwordHash);
      } catch (err) {
        log.error({ err, user: username }, 'stored password hash is unreadable');
        return false;
      }
    },

    async acceptsPublicKey(username, key, ctx) {
      return findKey(await lookup(username), key, ctx) !== undefined;
    },

    async login(username, proof, ctx) {
      const user = await lookup(username);
      if (!user) return undefined;
      const key = proof.publicKey ? findKey(user, proof.publicKey, ctx) : undefined;
      if (proof.publicKey && !key) return undefined;
      const policy = sessionRestrictions(user, key);
      return {
        name: user.name,
        home:
          options.homesDir === undefined || user.home !== undefined
            ? userHome(user, options.dataDir)
            : join(options.homesDir, user.name),
        policy,
        methods: proof.methods,
        ...(proof.publicKey ? { keyFingerprint: fingerprintSha256(proof.publicKey) } : {}),
      };
    },
  };
}
