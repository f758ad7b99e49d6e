import { describe, expect, it } from 'vitest';
import { pluginFromModule, validatePlugin } from '../../../src/plugins/validate.js';

const setup = () => undefined;

describe('validatePlugin', () => {
  it('accepts a plugin written for API version 1', () => {
    const p = { name: 'ok', apiVersion: 1, setup };
    expect(validatePlugin(p, 'x.ts')).toBe(p);
  });

  it('refuses another API version, saying which it was written for and which we implement', () => {
    expect(() => validatePlugin({ name: 'future', apiVersion: 2, setup }, './future.ts')).toThrow(
      'plugin ./future.ts: "future" was written for plugin API version 2, but this sshd-kit implements version 1: use a release of the plugin made for API 1',
    );
    expect(() => validatePlugin({ name: 'old', setup }, 'old')).toThrow(
      'declares no apiVersion (add apiVersion: 1)',
    );
  });

  it('says what is missing', () => {
    expect(() => validatePlugin(undefined, 'm.js')).toThrow('plugin m.js: does not export a plugin');
    expect(() => validatePlugin({ apiVersion: 1, setup }, 'm.js')).toThrow('has no name');
    expect(() => validatePlugin({ name: 'has space', apiVersion: 1, setup }, 'm.js')).toThrow(
      'use letters, digits',
    );
    expect(() => validatePlugin({ name: 'n', apiVersion: 1 }, 'm.js')).toThrow(
      '"n" has no setup(ctx) function',
    );
    expect(() => validatePlugin({ name: 'n', apiVersion: 1, setup, dispose: 3 }, 'm.js')).toThrow('dispose');
  });

  it('takes the default export, else a named `plugin` export, and unwraps CommonJS', () => {
    const p = { name: 'p', apiVersion: 1, setup };
    expect(pluginFromModule({ default: p }, 'a')).toBe(p);
    expect(pluginFromModule({ plugin: p }, 'a')).toBe(p);
    expect(pluginFromModule({ default: { default: p } }, 'a')).toBe(p);
    expect(() => pluginFromModule({ other: p }, 'a')).toThrow('does not export a plugin');
  });
});
