import { describe, expect, it } from 'vitest';
import { withoutStackTrace } from '../../../src/util/without-stack-trace.js';

describe('withoutStackTrace', () => {
  it('makes an error without stack frames and restores the limit', () => {
    const before = Error.stackTraceLimit;
    const e = withoutStackTrace(() => new Error('quiet'));
    expect(e.stack?.split('\n')).toEqual(['Error: quiet']);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('loud').stack?.split('\n').length).toBeGreaterThan(1);
  });

  it('restores the limit when making the value throws', () => {
    const before = Error.stackTraceLimit;
    expect(() =>
      withoutStackTrace(() => {
        throw new RangeError('inside');
      }),
    ).toThrow('inside');
    expect(Error.stackTraceLimit).toBe(before);
  });
});
