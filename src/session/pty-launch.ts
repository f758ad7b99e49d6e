import type { LaunchSpec, PtySpec } from './process.js';
import { MODE_CHAR_DISABLED, sttyArguments } from './terminal-modes.js';
import type { TerminalSize } from './types.js';

/**
 * Runs on the new pty before the session's program: exports SSH_TTY (its name is only known
 * once the pty exists), applies the client's terminal modes with stty(1) (`$1`: tokens of
 * `[a-z0-9 -]` only, globbing off), then execs the program (`"$@"`) under the same pid.
 */
const PTY_LAUNCHER =
  'set -f; t=$(tty 2>/dev/null) && export SSH_TTY="$t"; [ -n "$1" ] && stty $1 2>/dev/null; shift; exec "$@"';

/** The POSIX shell that runs the launcher (not the configured shell, which may be anything). */
export const LAUNCHER_SHELL = '/bin/sh';

/**
 * The arguments (after argv[0]) of {@link LAUNCHER_SHELL} for a session on a pty: the launcher,
 * the client's terminal modes, then the program: `shell -c command`, or the shell with `-l` for
 * a login shell (argv[0] stays the shell's path, as exec in sh cannot set it).
 */
export function ptyLauncherArgs(spec: LaunchSpec, pty: PtySpec): string[] {
  const program =
    spec.target.kind === 'command' ? [spec.shell, '-c', spec.target.command] : [spec.shell, '-l'];
  return ['-c', PTY_LAUNCHER, 'sshd-kit', sttyArguments(pty.info.modes).join(' '), ...program];
}

/** A window size a pty accepts: at least one column and one row. */
export const clampForPty = (size: TerminalSize): { cols: number; rows: number } => ({
  cols: Math.max(1, size.cols),
  rows: Math.max(1, size.rows),
});

/** The byte a terminal break sends (RFC 4335 §3): the client's interrupt character, else ^C. */
export function breakCharacter(pty: PtySpec): number {
  const intr = pty.info.modes.VINTR;
  return intr === undefined || intr === MODE_CHAR_DISABLED || intr > 255 ? 3 : intr;
}
