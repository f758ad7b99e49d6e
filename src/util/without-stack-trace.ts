/**
 * Runs `make` with V8's stack capture off, for errors that report an expected event rather than
 * a fault (a peer's DISCONNECT, an abort at a channel's end): capturing a stack costs tens of
 * microseconds on a cold connection path and nobody reads it. The limit is restored before this
 * returns, and nothing else can run in between.
 */
export function withoutStackTrace<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 0;
  } catch {
    return make(); // frozen intrinsics: the limit cannot change, so keep the stack
  }
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The reason an {@link AbortController} gives when none is passed, made without a stack. */
export function abortReason(): DOMException {
  return withoutStackTrace(() => new DOMException('This operation was aborted', 'AbortError'));
}
