import { input, password, select } from '@inquirer/prompts';
import { ExitCode, UserError } from './errors.js';

/**
 * A question a command may ask, declared as data so that every prompt has a flag of the same name
 * (style-study S10). Answers come from the flag first, then the default under `--yes`, then an
 * interactive prompt, and without a terminal the command fails naming the flag.
 */
export interface FlaggablePrompt<V extends string = string> {
  /** The question, as shown in the prompt. */
  readonly message: string;
  /** Allowed answers (a select prompt); undefined for free text. */
  readonly choices?: readonly V[];
  /** Hidden input (passwords, passphrases). */
  readonly secret?: boolean;
  /** For secrets: ask twice and require both to match. */
  readonly confirm?: boolean;
  /** Returns true, or a message saying what is wrong with `value`. */
  validate?(value: string): true | string;
  /** The answer `--yes` takes; a function may compute it. */
  readonly default?: V | (() => Promise<V | undefined>);
  /** Extra words for the "missing flag" error, e.g. `or --passphrase-stdin`. */
  readonly alternatives?: string;
}

/** What {@link resolveAnswer} needs to know about the invocation. */
export interface PromptContext {
  /** Parsed flags; the answer to prompt `name` is `flags[name]` when present. */
  readonly flags: Readonly<Record<string, unknown>>;
  /** `--yes`: take defaults instead of asking. */
  readonly yes: boolean;
  /** Whether a person can be asked (see `detectInteractivity`). */
  readonly interactive: boolean;
}

function check<V extends string>(name: string, prompt: FlaggablePrompt<V>, value: string): V {
  if (prompt.choices !== undefined && !prompt.choices.includes(value as V)) {
    throw new UserError(`--${name} must be one of: ${prompt.choices.join(', ')}`, { exit: ExitCode.Usage });
  }
  const ok = prompt.validate?.(value) ?? true;
  if (ok !== true) throw new UserError(`--${name}: ${ok}`, { exit: ExitCode.Usage });
  return value as V;
}

/**
 * Resolves the answer to one flaggable prompt: the flag's value, else the default when `--yes`, else
 * an interactive prompt (written to stderr so stdout stays clean), else a {@link UserError} naming
 * the flag to pass.
 */
export async function resolveAnswer<V extends string>(
  name: string,
  prompt: FlaggablePrompt<V>,
  ctx: PromptContext,
): Promise<V> {
  const given = ctx.flags[name];
  if (typeof given === 'string') return check(name, prompt, given);

  if (ctx.yes && prompt.default !== undefined) {
    const d = typeof prompt.default === 'function' ? await prompt.default() : prompt.default;
    if (d !== undefined) return check(name, prompt, d);
  }

  if (!ctx.interactive) {
    const alt = prompt.alternatives === undefined ? '' : ` (${prompt.alternatives})`;
    throw new UserError(`no terminal to ask "${prompt.message}": pass --${name}${alt}`, {
      exit: ExitCode.Usage,
    });
  }

  const io = { output: process.stderr };
  const validate = (v: string): true | string => prompt.validate?.(v) ?? true;
  if (prompt.choices !== undefined) {
    const choices = prompt.choices.map((c) => ({ name: c, value: c }));
    const d = typeof prompt.default === 'string' ? prompt.default : undefined;
    return await select<V>({ message: prompt.message, choices, default: d }, io);
  }
  if (prompt.secret === true) {
    for (;;) {
      const first = await password({ message: prompt.message, mask: true, validate }, io);
      if (prompt.confirm !== true) return first as V;
      const again = await password({ message: 'Again, to confirm:', mask: true }, io);
      if (again === first) return first as V;
      process.stderr.write('The two entries differ; try again.\n');
    }
  }
  const d = typeof prompt.default === 'string' ? prompt.default : undefined;
  return (await input({ message: prompt.message, default: d, validate }, io)) as V;
}
