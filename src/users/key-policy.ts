import type { HostPortPattern, SessionPolicy } from '../auth/types.js';
import type { AuthorizedKey } from './authorized-keys.js';
import type { CertificateRestrictions } from './certificate-policy.js';
import type { HostPort } from './authorized-key-options.js';
import { matchPatternList, type PeerIdentity } from './host-patterns.js';
import type { UserRecord } from './user-store.js';

/** Whether a stored key may be used for this login, before any signature is checked. */
export type KeyUseVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'from-mismatch' | 'expired' | 'cert-authority' | 'not-cert-authority';
    };

/** `from=` and `expiry-time=`, which every line obeys (sshd(8) AUTHORIZED_KEYS FILE FORMAT). */
function lineAllows(line: AuthorizedKey, peer: PeerIdentity, now: Date): KeyUseVerdict {
  if (line.options.expiryTime !== undefined && now >= line.options.expiryTime)
    return { ok: false, reason: 'expired' };
  if (line.options.from !== undefined && !matchPatternList(line.options.from, peer)) {
    return { ok: false, reason: 'from-mismatch' };
  }
  return { ok: true };
}

/**
 * Apply a key line's login-time options (sshd(8) AUTHORIZED_KEYS FILE FORMAT): `from=` must match
 * the peer, `expiry-time=` must be in the future, and a `cert-authority` line never vouches for a
 * plain key (it names a CA: see {@link checkCertificateAuthorityUse}). The reason is for logs only.
 */
export function checkKeyUse(key: AuthorizedKey, peer: PeerIdentity, now: Date = new Date()): KeyUseVerdict {
  if (key.options.certAuthority) return { ok: false, reason: 'cert-authority' };
  return lineAllows(key, peer, now);
}

/**
 * As {@link checkKeyUse}, for a line vouching for a certificate its key signed: only a
 * `cert-authority` line does, with its `from=` and `expiry-time=` applied as to a key.
 */
export function checkCertificateAuthorityUse(
  line: AuthorizedKey,
  peer: PeerIdentity,
  now: Date = new Date(),
): KeyUseVerdict {
  if (!line.options.certAuthority) return { ok: false, reason: 'not-cert-authority' };
  return lineAllows(line, peer, now);
}

/** Shared by every login without `permitopen=`/`permitlisten=` (most of them). */
const NO_PATTERNS: readonly HostPortPattern[] = Object.freeze([]);

/** A key's `permitopen=`/`permitlisten=` entries; a host left out matches any host, as in sshd. */
function hostPortPatterns(entries: readonly HostPort[] | undefined): readonly HostPortPattern[] {
  if (!entries?.length) return NO_PATTERNS;
  return entries.map((p) => ({ host: p.host ?? '*', port: p.port }));
}

/**
 * The session policy of a login (auth's {@link SessionPolicy}): the user's permissions narrowed by
 * the options of the key line they logged in with (none for password or keyboard-interactive
 * logins) and by their certificate's, if they came with one. Each can only take away; none grants
 * what the user lacks. A forced command comes from the line or the certificate (when both have
 * one, they must be the same: see {@link forcedCommandConflict}).
 */
export function sessionRestrictions(
  user: UserRecord,
  key?: AuthorizedKey,
  certificate?: CertificateRestrictions,
): SessionPolicy {
  const o = key?.options;
  const c = certificate;
  const p = user.permissions;
  const command = o?.command ?? c?.forcedCommand;
  const { uploadBytesPerSecond: up, downloadBytesPerSecond: down, maxConnections } = user.limits;
  return Object.freeze({
    shell: p.shell,
    exec: p.exec,
    sftp: p.sftp,
    pty: (p.shell || p.exec) && (o?.pty ?? true) && (c?.pty ?? true),
    portForwarding: p.portForwarding && (o?.portForwarding ?? true) && (c?.portForwarding ?? true),
    agentForwarding: p.agentForwarding && (o?.agentForwarding ?? true) && (c?.agentForwarding ?? true),
    ...(command === undefined ? {} : { forcedCommand: command }),
    permitOpen: hostPortPatterns(o?.permitOpen),
    permitListen: hostPortPatterns(o?.permitListen),
    environment: o?.environment ?? [],
    sftpReadOnly: user.sftp.readOnly,
    umask: user.sftp.umask,
    ...(up > 0 ? { uploadBytesPerSecond: up } : {}),
    ...(down > 0 ? { downloadBytesPerSecond: down } : {}),
    ...(maxConnections > 0 ? { maxConnections } : {}),
  });
}

/**
 * True when a key line and a certificate each force a command and the two differ: sshd refuses
 * such a login rather than pick one (sshauthopt_merge).
 */
export function forcedCommandConflict(
  key: AuthorizedKey | undefined,
  certificate: CertificateRestrictions,
): boolean {
  const line = key?.options.command;
  return line !== undefined && certificate.forcedCommand !== undefined && line !== certificate.forcedCommand;
}

/** What the server requires of every security key's signature (sshd_config PubkeyAuthOptions). */
export interface SecurityKeyRequirements {
  /** `touch-required`: a touch even where `no-touch-required` is set. */
  readonly touchRequired?: boolean;
  /** `verify-required`: a PIN or biometric check with every security key (others are not asked). */
  readonly verifyRequired?: boolean;
}

const NO_REQUIREMENTS: SecurityKeyRequirements = Object.freeze({});

/** FIDO flag of a signature made with a touch (user presence), as OpenSSH checks it. */
export const SK_USER_PRESENCE = 0x01;
/** FIDO flag of a signature made after a PIN or biometric check (user verification). */
export const SK_USER_VERIFICATION = 0x04;

/**
 * Why a login's signature does not meet its key's security-key terms, or undefined when it does
 * (sshd's userauth_pubkey, PROTOCOL.u2f): a security key must have been touched unless both the
 * key line and the certificate (those that apply) say `no-touch-required`, and must have verified
 * the user if either says `verify-required`, which no other key can meet. The server's
 * `pubkeyAuthOptions` (sshd_config PubkeyAuthOptions) can require both of every security key.
 * `flags` is undefined for a signature that is not a security key's. The reason is for logs only.
 */
export function securityKeyProblem(
  flags: number | undefined,
  line: AuthorizedKey | undefined,
  certificate: CertificateRestrictions | undefined,
  server: SecurityKeyRequirements = NO_REQUIREMENTS,
): string | undefined {
  const verify = (line?.options.verifyRequired ?? false) || (certificate?.verifyRequired ?? false);
  if (flags === undefined)
    return verify ? 'verify-required applies, and only a security key can verify its user' : undefined;
  const touchOptional =
    !server.touchRequired &&
    (line === undefined || line.options.noTouchRequired) &&
    (certificate === undefined ? line !== undefined : !certificate.touchRequired);
  if (!touchOptional && (flags & SK_USER_PRESENCE) === 0)
    return 'the security key was not touched (no user presence), and no-touch-required does not apply';
  if ((verify || server.verifyRequired) && (flags & SK_USER_VERIFICATION) === 0)
    return 'verify-required applies, and the security key did not verify its user (PIN or biometric)';
  return undefined;
}
