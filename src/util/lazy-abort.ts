import { setMaxListeners } from 'node:events';
import { abortReason } from './without-stack-trace.js';

/**
 * An AbortController made when its signal is first asked for. Connections, channels and sessions
 * each own one, most end without anyone having listened, and an AbortSignal is an EventTarget
 * with its own listener maps and hidden class: about 600 bytes per idle object (and making one
 * costs tens of microseconds on a cold path). Its reason is the AbortError DOMException an
 * `abort()` without a reason gives, made without a stack.
 */
export class LazyAbortController {
  private controller: AbortController | undefined;
  private done = false;

  /**
   * @param unlimitedListeners lift Node's warning at 10 listeners on the signal, for one that
   * every channel and pending request of a connection may watch at once.
   */
  constructor(private readonly unlimitedListeners = false) {}

  /** The signal; already aborted when asked for after {@link abort}. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.unlimitedListeners) setMaxListeners(0, this.controller.signal);
      if (this.done) this.controller.abort(abortReason());
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
    this.controller?.abort(abortReason());
  }
}
