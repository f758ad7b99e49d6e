import type { Readable, Writable } from 'node:stream';
import type { AuthenticatedUser, ConnectionInfo } from '../auth/types.js';
import type {
  Channel,
  ChannelRequest,
  ConnectionContext,
  ExitStatus,
  RequestOutcome,
} from '../connection/types.js';
import type { Logger } from '../log/logger.js';
import type { TerminalModes } from './terminal-modes.js';

export type { ExitStatus } from '../connection/types.js';

/** A terminal size as `pty-req` and `window-change` carry it (RFC 4254 §6.2, §6.7), clamped. */
export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
  readonly widthPx: number;
  readonly heightPx: number;
}

/** The pseudo-terminal the client asked for with `pty-req` (RFC 4254 §6.2). */
export interface PtyInfo {
  /** The TERM value, e.g. `xterm-256color` (checked: letters, digits, `._+-`). */
  readonly term: string;
  /** The size at the time of the request; later changes arrive through {@link SessionIo.onResize}. */
  readonly size: TerminalSize;
  /** The encoded terminal modes, decoded (RFC 4254 §8); unknown opcodes are dropped. */
  readonly modes: TerminalModes;
}

/**
 * Signal names a client may send with the `signal` request (RFC 4254 §6.9), without `SIG`.
 * Signals that would make a process dump core are not in the list.
 */
export const SIGNAL_NAMES = ['HUP', 'INT', 'QUIT', 'KILL', 'USR1', 'USR2', 'ALRM', 'TERM'] as const;
/** One of {@link SIGNAL_NAMES}. */
export type SignalName = (typeof SIGNAL_NAMES)[number];

/**
 * What the client asked a session to run (RFC 4254 §6.5). With an authorized_keys `command=`,
 * the request is always an `exec` of that command and `originalCommand` holds what the client
 * asked for (the exec command or subsystem name; absent for a shell).
 */
export type SessionCommand =
  | { readonly kind: 'shell' }
  | { readonly kind: 'exec'; readonly command: string; readonly originalCommand?: string };

/**
 * The account permission ({@link SessionPolicy} flag) a handler needs: `shell`, `exec` or `sftp`,
 * or `none` when the handler makes its own decision from `ctx.user.policy`.
 */
export type RequiredPermission = 'shell' | 'exec' | 'sftp' | 'none';

/** Who a session handler serves. */
export interface SessionContext {
  readonly user: AuthenticatedUser;
  readonly connection: ConnectionInfo;
  /** Bound to the connection, the channel and the handler's name. */
  readonly log: Logger;
  /** Our channel number, for logs. */
  readonly channelId: number;
}

/**
 * The streams and events of one session channel, as a shell, exec or subsystem handler serves
 * it instead of a process. Writes wait for the client's window (backpressure); reading `stdin` is
 * what lets the client send more.
 */
export interface SessionIo {
  /** Data from the client; ends at the client's EOF. */
  readonly stdin: Readable;
  /**
   * Data to the client (with a pty there is no line discipline: write `\r\n` for a new line).
   * Leave ending it to the session: resolving sends EOF, the exit status and CLOSE together
   * (a client may answer an early EOF with CLOSE, after which no exit status can be sent).
   */
  readonly stdout: Writable;
  /** Extended data (stderr) to the client; as with `stdout`, the session ends it. */
  readonly stderr: Writable;
  /** The pty the client asked for, if any. The handler itself echoes and edits lines. */
  readonly pty: PtyInfo | undefined;
  /** The current terminal size (the pty's, updated by `window-change`), if any. */
  readonly size: TerminalSize | undefined;
  /** Variables the client set with `env` and the server accepted. */
  readonly env: Readonly<Record<string, string>>;
  /** Aborted when the channel closes (the client went away); stop work and resolve. */
  readonly signal: AbortSignal;
  /** Called on each `window-change` (RFC 4254 §6.7). */
  onResize(listener: (size: TerminalSize) => void): void;
  /** Called on each allowed `signal` request, and on `break` with a pty (as `INT`). */
  onSignal(listener: (signal: SignalName) => void): void;
}

/**
 * A shell or exec handler's answer: serve the request with `run`, or decline it so the next
 * handler (and finally the built-in process runner) can try.
 */
export type ShellDecision =
  | {
      readonly kind: 'run';
      /** Serves the session; the result is sent as `exit-status`/`exit-signal`. */
      run(io: SessionIo): Promise<ExitStatus>;
    }
  | { readonly kind: 'decline' };

/**
 * Serves `shell` and/or `exec` requests with streams instead of a process (the seed's send/recv
 * idea). Handlers are tried in registration order; a handler whose permission the account lacks
 * is skipped. A handler that throws or rejects fails only its channel.
 */
export interface ShellHandler {
  /** Unique name, for collisions and logs (`name@domain` for plugins). */
  readonly name: string;
  /** The requests it may serve. */
  readonly serves: readonly SessionCommand['kind'][];
  /** The permission the account needs; default: the request's own (`shell` or `exec`). */
  readonly requires?: RequiredPermission;
  /** Decides whether to serve `command`; called before the client gets its reply. */
  accept(command: SessionCommand, ctx: SessionContext): ShellDecision | Promise<ShellDecision>;
}

/**
 * Serves a `subsystem` request (RFC 4254 §6.5), e.g. `sftp` or `name@domain`. Resolving ends the
 * channel (with `exit-status` 0 unless a status is returned).
 */
export interface SubsystemHandler {
  /** The subsystem name the client asks for. */
  readonly name: string;
  /** The permission the account needs (`sftp` for SFTP; `none` to decide in `start`). */
  readonly requires: RequiredPermission;
  start(io: SessionIo, ctx: SessionContext): Promise<ExitStatus | void>;
}

/** A session channel as a {@link SessionRequestHandler} sees it. */
export interface SessionRequestContext {
  readonly channel: Channel;
  readonly conn: ConnectionContext;
  /** Whether shell, exec or subsystem has started (variables set after that change nothing). */
  readonly started: boolean;
  /**
   * Sets a variable in the environment of the process the session starts (e.g. SSH_AUTH_SOCK).
   * Set by the server, so a client's `env` cannot override it; HOME, USER, PATH etc. still win.
   */
  setEnv(name: string, value: string): void;
}

/**
 * Serves a session channel request the session itself does not know, by name (e.g.
 * `auth-agent-req@openssh.com`); registered on the server's `sessionRequests` registry.
 */
export interface SessionRequestHandler {
  /** The request type it serves. */
  readonly name: string;
  handle(request: ChannelRequest, session: SessionRequestContext): Promise<RequestOutcome> | RequestOutcome;
}
