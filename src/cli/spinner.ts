import ora from 'ora';

/** A progress indicator on stderr; a no-op where progress is not shown. */
export interface Spinner {
  /** Changes the text while running. */
  update(text: string): void;
  /** Stops with a success mark and `text` (or the current text). */
  succeed(text?: string): void;
  /** Stops with a failure mark. */
  fail(text?: string): void;
  /** Stops and clears the line. */
  stop(): void;
}

const silent: Spinner = { update() {}, succeed() {}, fail() {}, stop() {} };

/**
 * Starts an ora spinner on stderr when `enabled` (a terminal, no `--json`: see
 * `detectInteractivity().canShowProgress`), else returns a silent one.
 */
export function startSpinner(text: string, enabled: boolean): Spinner {
  if (!enabled) return silent;
  const s = ora({ text, stream: process.stderr }).start();
  return {
    update: (t) => {
      s.text = t;
    },
    succeed: (t) => void s.succeed(t),
    fail: (t) => void s.fail(t),
    stop: () => void s.stop(),
  };
}

/** Runs `work` under a spinner that succeeds with `done` or fails with the spinner's text. */
export async function withSpinner<T>(
  text: string,
  enabled: boolean,
  work: () => Promise<T>,
  done?: (result: T) => string,
): Promise<T> {
  const s = startSpinner(text, enabled);
  try {
    const result = await work();
    s.succeed(done?.(result));
    return result;
  } catch (err) {
    s.fail();
    throw err;
  }
}
