import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeTerminalModes,
  encodeTerminalModes,
  MODE_CHAR_DISABLED,
  sttyArguments,
  TerminalMode,
} from '../../../src/session/terminal-modes.js';

const pair = (op: number, arg: number) => {
  const b = Buffer.alloc(5);
  b[0] = op;
  b.writeUInt32BE(arg, 1);
  return b;
};

describe('terminal modes (RFC 4254 §8)', () => {
  it('round-trips known modes by name', () => {
    const modes = { VINTR: 3, VERASE: 127, ECHO: 1, ICANON: 0, IUTF8: 1, TTY_OP_OSPEED: 38400 };
    expect(decodeTerminalModes(encodeTerminalModes(modes))).toEqual(modes);
  });

  it('uses the RFC opcodes', () => {
    expect(TerminalMode).toMatchObject({
      VINTR: 1,
      VDISCARD: 18,
      IGNPAR: 30,
      IUTF8: 42,
      ISIG: 50,
      OPOST: 70,
      CS7: 90,
    });
    expect(TerminalMode).toMatchObject({ TTY_OP_ISPEED: 128, TTY_OP_OSPEED: 129 });
  });

  it('stops at TTY_OP_END, at an opcode of 160 or more, and at a truncated argument', () => {
    expect(decodeTerminalModes(Buffer.concat([pair(53, 1), Buffer.from([0]), pair(1, 3)]))).toEqual({
      ECHO: 1,
    });
    expect(decodeTerminalModes(Buffer.concat([pair(53, 1), pair(160, 0), pair(1, 3)]))).toEqual({ ECHO: 1 });
    expect(decodeTerminalModes(Buffer.concat([pair(53, 1), Buffer.from([1, 0, 0])]))).toEqual({ ECHO: 1 });
    expect(decodeTerminalModes(new Uint8Array(0))).toEqual({});
  });

  it('skips unknown opcodes below 160 and keeps the last value of a repeated mode', () => {
    expect(decodeTerminalModes(Buffer.concat([pair(100, 7), pair(1, 3), pair(1, 4)]))).toEqual({ VINTR: 4 });
  });

  it('never holds more than one entry per known mode, whatever the input', () => {
    const known = Object.keys(TerminalMode).length;
    for (let i = 0; i < 20; i++) {
      const modes = decodeTerminalModes(randomBytes(200 * 1024));
      expect(Object.keys(modes).length).toBeLessThanOrEqual(known);
    }
  });

  it('turns modes into safe stty(1) arguments', () => {
    const args = sttyArguments({
      VINTR: 3,
      VERASE: 0x7f,
      VQUIT: MODE_CHAR_DISABLED,
      VEOF: 9999,
      ECHO: 0,
      ONLCR: 1,
      CS8: 1,
    });
    expect(args).toEqual(['intr', '0x03', 'quit', 'undef', 'erase', '0x7f', '-echo', 'onlcr']);
    expect(args.join(' ')).toMatch(/^[a-z0-9 -]*$/);
  });
});
