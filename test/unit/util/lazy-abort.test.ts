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

  it('aborts with an AbortError DOMException, as abort() without a reason does', () => {
    for (const askFirst of [true, false]) {
      const c = new LazyAbortController();
      if (askFirst) void c.signal;
      c.abort();
      const reason = c.signal.reason as DOMException;
      expect(reason).toBeInstanceOf(DOMException);
      expect(reason.name).toBe('AbortError');
      const plain = new AbortController();
      plain.abort();
      const expected = plain.signal.reason as DOMException;
      expect([reason.message, reason.code]).toEqual([expected.message, expected.code]);
      expect(() => c.signal.throwIfAborted()).toThrow(reason);
    }
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });

  it('lifts the listener warning only when asked to', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      for (const c of [new LazyAbortController(true), new LazyAbortController()])
        for (let i = 0; i < 11; i++) c.signal.addEventListener('abort', () => undefined);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual(['MaxListenersExceededWarning']);
  });
});
