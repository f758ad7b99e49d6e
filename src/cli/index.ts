/** Shared pieces of the sshd-kit commands (DESIGN.md "cli/"). */
export {
  BaseCommand,
  DATA_DIR_ENV,
  DEFAULT_DATA_DIR,
  describeUserError,
  yesFlag,
  type CommandArgs,
  type CommandFlags,
} from './base-command.js';
export { ExitCode, UserError, type ExitCodeValue } from './errors.js';
export { resolveAnswer, type FlaggablePrompt, type PromptContext } from './prompts.js';
export { startSpinner, withSpinner, type Spinner } from './spinner.js';
export { formatTable, formatFields } from './output.js';
export { readSecretFromStdin } from './stdin.js';
export { detectInteractivity, type Interactivity } from './tty.js';
