import type { AuthorizedKey } from './authorized-keys.js';
import type { EnvironmentEntry, HostPort } from './authorized-key-options.js';
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

/** What a logged-in session may do: the user's permissions narrowed by the key's options. */
export interface SessionRestrictions {
  readonly shell: boolean;
  readonly exec: boolean;
  readonly sftp: boolean;
  readonly pty: boolean;
  readonly portForwarding: boolean;
  readonly agentForwarding: boolean;
  /** Always false: sshd-kit does not offer X11 forwarding. */
  readonly x11Forwarding: boolean;
  readonly userRc: boolean;
  /** `command=`: run this instead of whatever the client asks (shell, exec or subsystem), as sshd. */
  readonly forcedCommand?: string;
  /** `permitopen=` targets; empty means any target (when port forwarding is allowed). */
  readonly permitOpen: readonly HostPort[];
  /** `permitlisten=` addresses; empty means any (when port forwarding is allowed). */
  readonly permitListen: readonly HostPort[];
  /** `environment=` entries; the session layer applies them only if the server config allows it. */
  readonly environment: readonly EnvironmentEntry[];
  readonly sftpReadOnly: boolean;
  readonly umask: number;
}

/**
 * Combine a user's permissions with the options of the key they logged in with (none for password
 * or keyboard-interactive logins). A key can only take away; it never grants what the user lacks.
 */
export function sessionRestrictions(user: UserRecord, key?: AuthorizedKey): SessionRestrictions {
  const o = key?.options;
  const p = user.permissions;
  return Object.freeze({
    shell: p.shell,
    exec: p.exec,
    sftp: p.sftp,
    pty: (p.shell || p.exec) && (o?.pty ?? true),
    portForwarding: p.portForwarding && (o?.portForwarding ?? true),
    agentForwarding: p.agentForwarding && (o?.agentForwarding ?? true),
    x11Forwarding: false,
    userRc: o?.userRc ?? true,
    ...(o?.command === undefined ? {} : { forcedCommand: o.command }),
    permitOpen: o?.permitOpen ?? [],
    permitListen: o?.permitListen ?? [],
    environment: o?.environment ?? [],
    sftpReadOnly: user.sftp.readOnly,
    umask: user.sftp.umask,
  });
}
