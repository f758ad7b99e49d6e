import type { Readable, Writable } from 'node:stream';
import type { SftpStatusCode } from './constants.js';
import { MAX_SFTP_FRAME } from './framer.js';
import type { Vfs } from './vfs.js';

/** The pino-compatible subset of a logger the SFTP code uses (style-study S9). */
export interface SftpLogger {
  trace?(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The byte streams of one subsystem channel: client data in, server data out. */
export interface SftpStreams {
  readonly input: Readable;
  readonly output: Writable;
  /**
   * The output has copied each chunk by the time its write calls back (a channel's output does),
   * so read reply buffers can be reused after that.
   */
  readonly outputCopies?: boolean;
}

/** Per-session bounds; the first four are what limits@openssh.com advertises. */
export interface SftpLimits {
  /** Largest request frame accepted (bytes after the length prefix). */
  readonly maxPacketLength: number;
  /** READ lengths above this are served short (OpenSSH clamps to 255 KiB as well). */
  readonly maxReadLength: number;
  /** Largest WRITE data a client should send. */
  readonly maxWriteLength: number;
  /** Open file and directory handles per session. */
  readonly maxOpenHandles: number;
  /** Requests being processed at once; further frames wait in the input stream. */
  readonly maxInFlightRequests: number;
  /** Bytes held by requests in progress (WRITE data, READ buffers); above it input pauses. */
  readonly maxInFlightBytes: number;
}

/** Defaults: large transfers in one go, bounded memory per channel. */
export const DEFAULT_SFTP_LIMITS: SftpLimits = {
  maxPacketLength: MAX_SFTP_FRAME,
  maxReadLength: MAX_SFTP_FRAME - 1024,
  maxWriteLength: MAX_SFTP_FRAME - 1024,
  maxOpenHandles: 512,
  maxInFlightRequests: 128,
  maxInFlightBytes: 16 * 1024 * 1024,
};

/** One finished request, for audit (the server's `sftp.op` event). READ and WRITE are not reported. */
export interface SftpOperationEvent {
  readonly op: string;
  readonly path?: string;
  readonly status: SftpStatusCode;
  readonly ms: number;
}

/**
 * Which argument of SSH_FXP_SYMLINK is the link target. `auto` follows what clients do: OpenSSH
 * (and every client talking to a server whose banner starts `SSH-2.0-OpenSSH`) sends the target
 * first (OpenSSH PROTOCOL §4.1); spec-following clients (ssh2, AsyncSSH, libssh, WinSCP,
 * phpseclib) send the link path first.
 */
export type SymlinkOrder = 'auto' | 'target-first' | 'link-first';

/** Options of one SFTP session. */
export interface SftpSessionOptions {
  /** The user's file system (a jailed local root, memory, or a plugin's). */
  readonly vfs: Vfs;
  /** The client's SSH identification string, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2`. */
  readonly clientVersion?: string;
  /** Our own identification string, when it matters to clients (see {@link SymlinkOrder}). */
  readonly serverVersion?: string;
  readonly symlinkOrder?: SymlinkOrder;
  /** The authenticated user's name (home-directory, `~user` in expand-path). */
  readonly username?: string;
  /** The virtual home directory relative paths start from; default `/`. */
  readonly home?: string;
  readonly limits?: Partial<SftpLimits>;
  readonly log?: SftpLogger;
  /** Called after each request other than READ/WRITE. */
  readonly onOperation?: (event: SftpOperationEvent) => void;
  /** Names for uid/gid in listings and users-groups-by-id@openssh.com; numbers when absent. */
  readonly idName?: (kind: 'user' | 'group', id: number) => string | undefined;
  /** Ends the session (open uploads are discarded as on a disconnect). */
  readonly signal?: AbortSignal;
}

/**
 * Clients that send SSH_FXP_SYMLINK in the draft's order (link path first) to servers that are not
 * OpenSSH: the ssh2 npm client, AsyncSSH, libssh (`libssh_0.10.6`; not libssh2), WinSCP, and
 * phpseclib 2 and 3. Everyone else we know of (OpenSSH, paramiko, JSch, libssh2, Go's pkg/sftp)
 * sends the target first, as OpenSSH's sftp-server expects (PROTOCOL §4.1), so that is the default.
 */
const SPEC_ORDER_CLIENTS = /^SSH-2\.0-(ssh2js|AsyncSSH|libssh[_-]\d|WinSCP_|phpseclib_)/i;

/** True when SSH_FXP_SYMLINK's first argument is the target for this client. */
export function symlinkTargetFirst(o: SftpSessionOptions): boolean {
  const order = o.symlinkOrder ?? 'auto';
  if (order !== 'auto') return order === 'target-first';
  // Against a server whose banner starts as OpenSSH's (the test those clients make), even
  // spec-following clients switch to its order.
  if (o.serverVersion !== undefined && /^SSH-2\.0-OpenSSH/.test(o.serverVersion)) return true;
  return o.clientVersion === undefined || !SPEC_ORDER_CLIENTS.test(o.clientVersion);
}
