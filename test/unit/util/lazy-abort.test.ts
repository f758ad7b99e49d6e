import { describe, expect, it } from 'vitest';
import { LazyAbortController } from '../../../src/util/lazy-abort.js';

describe('LazyAbortController', () => {
  it('a signal asked for before abort() is aborted by it, once', () => {
    const c = new LazyAbortController();
    const signal = c.signal;
    let events = 0;
    signal.addEventListener('abort', () => events++);
    expect(signal.aborted).toBe(false);
    expect(c.aborted).toBe(false);
    c.abort();
    c.abort();
    expect(signal.aborted).toBe(true);
    expect(c.aborted).toBe(true);
    expect(events).toBe(1);
    expect(c.signal).toBe(signal);
  });

  it('a signal first asked for after abort() is already aborted', () => {
    const c = new LazyAbortController();
    c.abort();
    expect(c.aborted).toBe(true);
    expect(c.signal.aborted).toBe(true);
  });
});
