import type { HostPortPattern, SessionPolicy } from '../auth/types.js';
import type { AuthorizedKey } from './authorized-keys.js';
import type { HostPort } from './authorized-key-options.js';
import { matchPatternList, type PeerIdentity } from './host-patterns.js';
import type { UserRecord } from './user-store.js';

/** Whether a stored key may be used for this login, before any signature is checked. */
export type KeyUseVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'from-mismatch' | 'expired' | 'cert-authority' };

/**
 * Apply a key line's login-time options (sshd(8) AUTHORIZED_KEYS FILE FORMAT): `from=` must match
 * the peer, `expiry-time=` must be in the future, and a `cert-authority` line never vouches for a
 * plain key (it names a CA, and certificates are not supported yet). The reason is for logs only.
 */
export function checkKeyUse(key: AuthorizedKey, peer: PeerIdentity, now: Date = new Date()): KeyUseVerdict {
  if (key.options.certAuthority) return { ok: false, reason: 'cert-authority' };
  if (key.options.expiryTime !== undefined && now >= key.options.expiryTime)
    return { ok: false, reason: 'expired' };
  if (key.options.from !== undefined && !matchPatternList(key.options.from, peer)) {
    return { ok: false, reason: 'from-mismatch' };
  }
  return { ok: true };
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
 * the options of the key they logged in with (none for password
 * or keyboard-interactive logins). A key can only take away; it never grants what the user lacks.
 */
export function sessionRestrictions(user: UserRecord, key?: AuthorizedKey): SessionPolicy {
  const o = key?.options;
  const p = user.permissions;
  return Object.freeze({
    shell: p.shell,
    exec: p.exec,
    sftp: p.sftp,
    pty: (p.shell || p.exec) && (o?.pty ?? true),
    portForwarding: p.portForwarding && (o?.portForwarding ?? true),
    agentForwarding: p.agentForwarding && (o?.agentForwarding ?? true),
    ...(o?.command === undefined ? {} : { forcedCommand: o.command }),
    permitOpen: hostPortPatterns(o?.permitOpen),
    permitListen: hostPortPatterns(o?.permitListen),
    environment: o?.environment ?? [],
    sftpReadOnly: user.sftp.readOnly,
    umask: user.sftp.umask,
  });
}
