/** Exit codes of every sshd-kit command. */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** The operation failed (bad input file, wrong passphrase, I/O error, ...). */
  Failure: 1,
  /** The command line was wrong (unknown flag, bad flag value, missing answer). */
  Usage: 2,
} as const;

/** One of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A problem the user can fix, reported as one line (`Error: <message>`) and an exit code, never a
 * stack trace. Library code below `cli/` throws its own typed errors; services called by commands
 * may throw this directly.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** Process exit code. */
  readonly exit: ExitCodeValue;
  /** A stable machine-readable code for `--json` output, e.g. `KEY_EXISTS`. */
  readonly code: string | undefined;

  constructor(message: string, options: { exit?: ExitCodeValue; code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.exit = options.exit ?? ExitCode.Failure;
    this.code = options.code;
  }
}
