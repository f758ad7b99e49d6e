import { resolve } from 'node:path';
import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { KeyFormatError, PassphraseRequiredError, WrongPassphraseError } from '../keys/errors.js';
import { ExitCode, UserError } from './errors.js';
import { resolveAnswer, type FlaggablePrompt } from './prompts.js';
import { startSpinner, withSpinner, type Spinner } from './spinner.js';
import { detectInteractivity, type Interactivity } from './tty.js';

/** Environment variable naming the data directory. */
export const DATA_DIR_ENV = 'SSHD_KIT_DATA_DIR';
/** Data directory used when neither `--data-dir` nor the environment names one (relative to the cwd). */
export const DEFAULT_DATA_DIR = './sshd-kit-data';

/** The parsed flags of a command class, including the base flags. */
export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
/** The parsed arguments of a command class. */
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** A `--yes` flag for commands that prompt: take the defaults instead of asking. */
export const yesFlag = Flags.boolean({
  char: 'y',
  description: 'Accept default answers instead of prompting.',
});

/** A one-line description of an error the user can act on, or undefined for an unexpected error. */
export function describeUserError(
  err: unknown,
): { message: string; exit: number; code?: string } | undefined {
  if (err instanceof UserError) return { message: err.message, exit: err.exit, code: err.code };
  // @inquirer/prompts rejects with ExitPromptError when the person presses Ctrl-C.
  if (err instanceof Error && err.name === 'ExitPromptError')
    return { message: 'cancelled', exit: 130, code: 'CANCELLED' };
  if (err instanceof WrongPassphraseError)
    return { message: err.message, exit: ExitCode.Failure, code: 'WRONG_PASSPHRASE' };
  if (err instanceof PassphraseRequiredError)
    return { message: err.message, exit: ExitCode.Failure, code: 'PASSPHRASE_REQUIRED' };
  if (err instanceof KeyFormatError)
    return { message: err.message, exit: ExitCode.Failure, code: 'KEY_FORMAT' };
  if (err instanceof Errors.CLIError) {
    const parse = (err as { parse?: unknown }).parse !== undefined;
    // oclif's parse errors span lines ("... \nSee more help with --help"): keep the first.
    const first = err.message.split('\n')[0]!.trim();
    return {
      message: parse ? `${first} (see --help)` : first,
      exit: err.oclif.exit ?? (parse ? ExitCode.Usage : ExitCode.Failure),
      code: parse ? 'USAGE' : err.code,
    };
  }
  const sys = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    // Node's own message already names the call and the path: "EACCES: permission denied, open '/x'".
    return { message: err.message, exit: ExitCode.Failure, code: sys.code };
  }
  return undefined;
}

/**
 * Base of every sshd-kit command: the `--data-dir` flag (env `SSHD_KIT_DATA_DIR`, default
 * `./sshd-kit-data`), `--json` (oclif's enableJsonFlag: `run()` returns the JSON result), flags
 * parsed in `init()` into `this.flags`/`this.args`, flaggable prompts, spinners on stderr, and
 * one-line errors: `this.error(msg, { exit })`, a {@link UserError}, a key error or a Node I/O
 * error prints `Error: <message>` and exits non-zero, never with a stack trace (set
 * `SSHD_KIT_DEBUG=1` to see stacks of unexpected errors).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    'data-dir': Flags.string({
      summary: 'Directory holding all server state (host keys, user store, homes).',
      env: DATA_DIR_ENV,
      default: DEFAULT_DATA_DIR,
      helpGroup: 'GLOBAL',
    }),
  };

  /** Parsed flags (base flags included). */
  protected flags!: CommandFlags<T>;
  /** Parsed arguments. */
  protected args!: CommandArgs<T>;

  override async init(): Promise<void> {
    await super.init();
    const ctor = this.ctor as typeof BaseCommand & T;
    const { flags, args } = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
  }

  /** The absolute data directory. */
  protected get dataDir(): string {
    return resolve(String((this.flags as Record<string, unknown>)['data-dir'] ?? DEFAULT_DATA_DIR));
  }

  /** Whether prompts and progress can be shown (terminal, no `--json`). */
  protected get interactivity(): Interactivity {
    return detectInteractivity(this.jsonEnabled());
  }

  /** Answers a {@link FlaggablePrompt} whose flag is `name` (flag, `--yes` default, prompt, or error). */
  protected async ask<V extends string>(name: string, prompt: FlaggablePrompt<V>): Promise<V> {
    const flags = this.flags as Record<string, unknown>;
    return resolveAnswer(name, prompt, {
      flags,
      yes: flags['yes'] === true,
      interactive: this.interactivity.canPrompt,
    });
  }

  /** A spinner on stderr, silent without a terminal or with `--json`. */
  protected spinner(text: string): Spinner {
    return startSpinner(text, this.interactivity.canShowProgress);
  }

  /** Runs `work` under a spinner (see {@link withSpinner}). */
  protected withSpinner<R>(text: string, work: () => Promise<R>, done?: (r: R) => string): Promise<R> {
    return withSpinner(text, this.interactivity.canShowProgress, work, done);
  }

  /** A note for people on stderr (suppressed under `--json`). */
  protected note(message: string): void {
    this.logToStderr(message);
  }

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const known = describeUserError(err);
    if (known === undefined && process.env['SSHD_KIT_DEBUG'] !== undefined) throw err;
    const message = (known?.message ?? `unexpected error: ${err.message}`).replace(/\s*\n\s*/g, ' ');
    const exit = known?.exit ?? ExitCode.Failure;
    if (this.jsonEnabled()) {
      this.logJson({ error: { message, code: known?.code ?? 'INTERNAL', exit } });
    } else {
      process.stderr.write(`Error: ${message}\n`);
    }
    return this.exit(exit);
  }
}
