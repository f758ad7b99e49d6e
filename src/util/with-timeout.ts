/** Thrown by {@link withTimeout} when the work did not settle in time. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Resolves or rejects like `work`, or rejects with {@link TimeoutError} after `ms` milliseconds,
 * whichever comes first. The timer never keeps the process alive.
 */
export function withTimeout<T>(work: Promise<T> | T, ms: number, what: string): Promise<T> {
  if (!(work instanceof Promise)) return Promise.resolve(work);
  if (!Number.isFinite(ms)) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
