/** Where a command may interact with a person. */
export interface Interactivity {
  /** A person can answer prompts: stdin and stderr are terminals and `--json` is off. */
  readonly canPrompt: boolean;
  /** Progress (spinners) may be drawn: stderr is a terminal and `--json` is off. */
  readonly canShowProgress: boolean;
}

/** Works out {@link Interactivity} from the process's streams and whether `--json` is on. */
export function detectInteractivity(json: boolean): Interactivity {
  const stdinTty = process.stdin.isTTY === true;
  const stderrTty = process.stderr.isTTY === true;
  return { canPrompt: stdinTty && stderrTty && !json, canShowProgress: stderrTty && !json };
}
