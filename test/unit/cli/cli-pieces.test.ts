import { Readable } from 'node:stream';
import { Errors } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import {
  describeUserError,
  ExitCode,
  formatFields,
  formatTable,
  readSecretFromStdin,
  resolveAnswer,
  UserError,
  type FlaggablePrompt,
} from '../../../src/cli/index.js';
import { KeyFormatError, WrongPassphraseError } from '../../../src/keys/index.js';

const color: FlaggablePrompt<'red' | 'blue'> = {
  message: 'Colour?',
  choices: ['red', 'blue'],
  default: 'blue',
  alternatives: 'or --yes',
};
const name: FlaggablePrompt = { message: 'Name?', validate: (v) => v.length > 1 || 'too short' };

describe('resolveAnswer (flag > --yes default > prompt > error)', () => {
  const ctx = (flags: Record<string, unknown>, yes = false) => ({ flags, yes, interactive: false });

  it('takes the flag first, checked against choices and validate', async () => {
    expect(await resolveAnswer('color', color, ctx({ color: 'red' }, true))).toBe('red');
    await expect(resolveAnswer('color', color, ctx({ color: 'green' }))).rejects.toThrow(
      '--color must be one of: red, blue',
    );
    await expect(resolveAnswer('name', name, ctx({ name: 'x' }))).rejects.toThrow('--name: too short');
  });

  it('takes the default under --yes, including a computed one', async () => {
    expect(await resolveAnswer('color', color, ctx({}, true))).toBe('blue');
    const computed: FlaggablePrompt = { message: 'Dir?', default: async () => '/srv' };
    expect(await resolveAnswer('dir', computed, ctx({}, true))).toBe('/srv');
  });

  it('without a terminal fails naming the flag, as a usage error', async () => {
    const err = await resolveAnswer('color', color, ctx({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exit).toBe(ExitCode.Usage);
    expect((err as UserError).message).toBe('no terminal to ask "Colour?": pass --color (or --yes)');
    await expect(resolveAnswer('name', name, ctx({}, true))).rejects.toThrow('pass --name');
  });
});

describe('describeUserError', () => {
  it('maps user-facing errors to one line and an exit code', () => {
    expect(describeUserError(new UserError('nope', { code: 'X' }))).toEqual({
      message: 'nope',
      exit: 1,
      code: 'X',
    });
    expect(describeUserError(new KeyFormatError('bad key'))).toMatchObject({
      message: 'bad key',
      code: 'KEY_FORMAT',
    });
    expect(describeUserError(new WrongPassphraseError())).toMatchObject({
      exit: 1,
      code: 'WRONG_PASSPHRASE',
    });
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), {
      code: 'ENOENT',
      syscall: 'open',
    });
    expect(describeUserError(enoent)).toMatchObject({ code: 'ENOENT', exit: 1 });
    expect(describeUserError(new Errors.CLIError('said by this.error', { exit: 3 }))).toMatchObject({
      message: 'said by this.error',
      exit: 3,
    });
    expect(describeUserError(new Error('a bug'))).toBeUndefined();
    expect(describeUserError(new TypeError('x is not a function'))).toBeUndefined();
  });
});

describe('output helpers', () => {
  it('formats aligned tables and fields', () => {
    const rows = [
      { user: 'alice', keys: 2 },
      { user: 'bob\tthe builder', keys: 10 },
    ];
    expect(
      formatTable(rows, [
        { key: 'user', header: 'USER' },
        { key: 'keys', header: 'KEYS' },
      ]),
    ).toBe(['USER             KEYS', 'alice            2', 'bob the builder  10'].join('\n'));
    expect(
      formatFields([
        ['a', '1'],
        ['long', '2'],
      ]),
    ).toBe('a:    1\nlong: 2');
  });
});

describe('readSecretFromStdin', () => {
  const stream = (...chunks: string[]) =>
    Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), {
      isTTY: false,
    }) as unknown as NodeJS.ReadStream;
  it('reads the first line (LF or CRLF) and refuses an empty stream or a terminal', async () => {
    expect(await readSecretFromStdin('x', stream('pass', ' word\r\nrest\n'))).toBe('pass word');
    expect(await readSecretFromStdin('x', stream('no newline'))).toBe('no newline');
    await expect(readSecretFromStdin('x', stream())).rejects.toThrow('--x: nothing was read from stdin');
    const tty = Object.assign(Readable.from([]), { isTTY: true }) as unknown as NodeJS.ReadStream;
    await expect(readSecretFromStdin('x', tty)).rejects.toThrow('stdin is a terminal');
  });
});
