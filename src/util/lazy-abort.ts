/**
 * An AbortController made when its signal is first asked for. Connections, channels and sessions
 * each own one, most end without anyone having listened, and an AbortSignal is an EventTarget
 * with its own listener maps and hidden class: about 600 bytes per idle object.
 */
export class LazyAbortController {
  private controller: AbortController | undefined;
  private done = false;

  /** The signal; already aborted when asked for after {@link abort}. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.done) this.controller.abort();
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.done;
  }

  /** Aborts the signal (once; later calls do nothing). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.controller?.abort();
  }
}
