import { join } from 'node:path';
import { certificateIdentity, certificateLogFields } from '../auth/certificate-identity.js';
import type {
  AuthBackend,
  AuthContext,
  AuthenticatedUser,
  AuthMethodName,
  AuthProgress,
  PublicKeyOffer,
} from '../auth/types.js';
import type { Certificate } from '../keys/certificate.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import type { RevocationList } from '../keys/revoked-keys.js';
import type { PublicKey } from '../keys/types.js';
import type { Logger } from '../log/logger.js';
import { ANY_AUTH_METHOD, remainingAuthMethods } from '../users/auth-methods.js';
import type { AuthorizedKey } from '../users/authorized-keys.js';
import {
  checkUserCertificate,
  type CertificateRestrictions,
  type PrincipalRule,
} from '../users/certificate-policy.js';
import type { PeerIdentity } from '../users/host-patterns.js';
import {
  checkCertificateAuthorityUse,
  checkKeyUse,
  forcedCommandConflict,
  securityKeyProblem,
  sessionRestrictions,
  type SecurityKeyRequirements,
} from '../users/key-policy.js';
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
  /**
   * CA keys trusted to certify any account whose name the certificate lists (sshd_config
   * TrustedUserCAKeys); asked on each use, so a changed file applies at once. A failure trusts none.
   */
  readonly trustedUserCAKeys?: () => Promise<readonly PublicKey[]>;
  /**
   * Keys and certificates refused whatever vouches for them (sshd_config RevokedKeys); asked on
   * each use. A failure refuses every key (fail closed, as sshd).
   */
  readonly revokedKeys?: () => Promise<RevocationList>;
  /** What every security key's signature needs (sshd_config PubkeyAuthOptions). */
  readonly securityKeys?: SecurityKeyRequirements;
  readonly log: Logger;
}

/** How a key the client offered may log in: the line that vouches for it, and the certificate's terms. */
interface KeyMatch {
  /** The `authorized_keys` line: the key's own, or the `cert-authority` line of its CA. */
  readonly line?: AuthorizedKey;
  readonly certificate?: CertificateRestrictions;
}

const sameBlob = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(b);

/**
 * The {@link AuthBackend} over a {@link UserStore}: unknown, disabled and password-less users are
 * answered exactly like wrong credentials (a dummy hash keeps the timing), and a store failure
 * fails closed (logged, answered as a failure). Certificates (PROTOCOL.certkeys) log in through a
 * CA of `trustedUserCAKeys` or a `cert-authority` line of the account, as with sshd.
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

  const revoked = async (
    key: PublicKey,
    certificate: Certificate | undefined,
    ctx: AuthContext,
  ): Promise<boolean> => {
    if (!options.revokedKeys) return false;
    try {
      if (!(await options.revokedKeys()).isRevoked(key, certificate)) return false;
      log.info(
        {
          conn: ctx.connection.id,
          key: fingerprintSha256(key),
          ...(certificate ? { cert: certificateLogFields(certificate) } : {}),
        },
        'key refused: it is revoked (revokedKeys)',
      );
    } catch (err) {
      log.error({ err }, 'cannot read revokedKeys: refusing every public key until it can be read');
    }
    return true;
  };

  const trustedCAs = async (): Promise<readonly PublicKey[]> => {
    if (!options.trustedUserCAKeys) return [];
    try {
      return await options.trustedUserCAKeys();
    } catch (err) {
      log.error({ err }, 'cannot read trustedUserCAKeys: trusting no CA until it can be read');
      return [];
    }
  };

  /** sshd's order: a CA from trustedUserCAKeys first, then the account's cert-authority lines. */
  const matchCertificate = async (
    user: UserRecord,
    cert: Certificate,
    ctx: AuthContext,
  ): Promise<KeyMatch | undefined> => {
    const peer: PeerIdentity = { address: ctx.connection.remoteAddress };
    const refused = (reason: string) =>
      log.info(
        { conn: ctx.connection.id, user: user.name, cert: certificateLogFields(cert) },
        `certificate refused: ${reason}`,
      );
    if ((await trustedCAs()).some((ca) => sameBlob(ca.blob, cert.signatureKey.blob))) {
      // The account's principals (sshd's AuthorizedPrincipalsFile), or else its own name.
      const rule: PrincipalRule =
        user.principals.length > 0
          ? { kind: 'one-of', names: user.principals, from: 'the account' }
          : { kind: 'account', name: user.name, allowEmpty: false };
      const verdict = checkUserCertificate(cert, rule, peer);
      if (verdict.ok) return { certificate: verdict.restrictions };
      refused(verdict.reason);
    }
    for (const line of user.authorizedKeys) {
      if (!sameBlob(line.blob, cert.signatureKey.blob) || !checkCertificateAuthorityUse(line, peer).ok)
        continue;
      const principals = line.options.principals;
      const rule: PrincipalRule = principals
        ? { kind: 'one-of', names: principals, from: 'the cert-authority line' }
        : { kind: 'account', name: user.name, allowEmpty: true };
      const verdict = checkUserCertificate(cert, rule, peer);
      if (!verdict.ok) refused(verdict.reason);
      else if (forcedCommandConflict(line, verdict.restrictions))
        refused('its force-command differs from the command= of the cert-authority line');
      else return { line, certificate: verdict.restrictions };
    }
    return undefined;
  };

  const matchKey = async (
    user: UserRecord,
    key: PublicKey,
    ctx: AuthContext,
    certificate: Certificate | undefined,
  ): Promise<KeyMatch | undefined> => {
    if (await revoked(key, certificate, ctx)) return undefined;
    if (certificate) return matchCertificate(user, certificate, ctx);
    const peer = { address: ctx.connection.remoteAddress };
    const line = user.authorizedKeys.find((k) => sameBlob(k.blob, key.blob) && checkKeyUse(k, peer).ok);
    return line && { line };
  };

  /**
   * The line or certificate terms `key` logs in under, if any. A security key's flags are judged
   * once its signature verified (`offer.securityKey`); any other key is judged at once, so that
   * `verify-required`, which it can never meet, refuses it before it signs.
   */
  const findKey = async (
    user: UserRecord | undefined,
    key: PublicKey,
    ctx: AuthContext,
    offer: PublicKeyOffer | undefined,
  ): Promise<KeyMatch | undefined> => {
    if (!user) return undefined;
    const match = await matchKey(user, key, ctx, offer?.certificate);
    const flags = offer?.securityKey?.flags;
    if (!match || (key.application !== undefined && flags === undefined)) return match;
    const problem = securityKeyProblem(flags, match.line, match.certificate, options.securityKeys);
    if (problem === undefined) return match;
    log.info(
      { conn: ctx.connection.id, user: user.name, key: fingerprintSha256(key) },
      `key refused: ${problem}`,
    );
    return undefined;
  };

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

    async acceptsPublicKey(username, key, ctx, offer) {
      return (await findKey(await lookup(username), key, ctx, offer)) !== undefined;
    },

    async login(username, proof, ctx) {
      const user = await lookup(username);
      if (!user) return undefined;
      const offer = {
        ...(proof.certificate ? { certificate: proof.certificate } : {}),
        ...(proof.securityKey ? { securityKey: proof.securityKey } : {}),
      };
      const match = proof.publicKey ? await findKey(user, proof.publicKey, ctx, offer) : undefined;
      if (proof.publicKey && !match) return undefined;
      const policy = sessionRestrictions(user, match?.line, match?.certificate);
      return {
        name: user.name,
        home:
          options.homesDir === undefined || user.home !== undefined
            ? userHome(user, options.dataDir)
            : join(options.homesDir, user.name),
        policy,
        methods: proof.methods,
        ...(proof.publicKey ? { keyFingerprint: fingerprintSha256(proof.publicKey) } : {}),
        ...(proof.certificate ? { certificate: certificateIdentity(proof.certificate) } : {}),
      };
    },
  };
}
