/**
 * Encoded terminal modes (RFC 4254 §8, RFC 4250 §4.5.2, IUTF8 from RFC 8160): a list of
 * `byte opcode, uint32 argument` pairs ended by TTY_OP_END (0).
 */
export const TerminalMode = {
  VINTR: 1,
  VQUIT: 2,
  VERASE: 3,
  VKILL: 4,
  VEOF: 5,
  VEOL: 6,
  VEOL2: 7,
  VSTART: 8,
  VSTOP: 9,
  VSUSP: 10,
  VDSUSP: 11,
  VREPRINT: 12,
  VWERASE: 13,
  VLNEXT: 14,
  VFLUSH: 15,
  VSWTCH: 16,
  VSTATUS: 17,
  VDISCARD: 18,
  IGNPAR: 30,
  PARMRK: 31,
  INPCK: 32,
  ISTRIP: 33,
  INLCR: 34,
  IGNCR: 35,
  ICRNL: 36,
  IUCLC: 37,
  IXON: 38,
  IXANY: 39,
  IXOFF: 40,
  IMAXBEL: 41,
  IUTF8: 42,
  ISIG: 50,
  ICANON: 51,
  XCASE: 52,
  ECHO: 53,
  ECHOE: 54,
  ECHOK: 55,
  ECHONL: 56,
  NOFLSH: 57,
  TOSTOP: 58,
  IEXTEN: 59,
  ECHOCTL: 60,
  ECHOKE: 61,
  PENDIN: 62,
  OPOST: 70,
  OLCUC: 71,
  ONLCR: 72,
  OCRNL: 73,
  ONOCR: 74,
  ONLRET: 75,
  CS7: 90,
  CS8: 91,
  PARENB: 92,
  PARODD: 93,
  TTY_OP_ISPEED: 128,
  TTY_OP_OSPEED: 129,
} as const;
/** A terminal mode name from RFC 4254 §8. */
export type TerminalModeName = keyof typeof TerminalMode;

/** Decoded terminal modes by name; a mode the client did not send is absent. */
export type TerminalModes = Readonly<Partial<Record<TerminalModeName, number>>>;

/** A control character value that means "disabled" (RFC 4254 §8: 255 if none). */
export const MODE_CHAR_DISABLED = 255;

const NAME_BY_OPCODE = new Map<number, TerminalModeName>(
  Object.entries(TerminalMode).map(([name, op]) => [op, name as TerminalModeName]),
);

/**
 * Decodes an encoded terminal modes string. Never throws: parsing stops at TTY_OP_END, at an
 * opcode of 160 or more (RFC 4254 §8: "cause parsing to stop"), or at a truncated argument.
 * Unknown opcodes are skipped, so the result has at most one entry per known mode however long
 * the input is.
 */
export function decodeTerminalModes(data: Uint8Array): TerminalModes {
  const out: Partial<Record<TerminalModeName, number>> = {};
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos < data.length) {
    const opcode = data[pos]!;
    if (opcode === 0 || opcode >= 160 || pos + 5 > data.length) break;
    const arg = view.getUint32(pos + 1);
    pos += 5;
    const name = NAME_BY_OPCODE.get(opcode);
    if (name) out[name] = arg;
  }
  return out;
}

/** Encodes modes (for tests and clients): pairs in opcode order, then TTY_OP_END. */
export function encodeTerminalModes(modes: TerminalModes): Uint8Array {
  const entries = Object.entries(modes)
    .map(([name, value]) => [TerminalMode[name as TerminalModeName], value] as const)
    .sort((a, b) => a[0] - b[0]);
  const out = Buffer.alloc(entries.length * 5 + 1);
  entries.forEach(([op, value], i) => {
    out[i * 5] = op;
    out.writeUInt32BE(value! >>> 0, i * 5 + 1);
  });
  return out;
}

/** Control characters applied to a real pty, with their stty(1) names. */
const STTY_CHARS: readonly [TerminalModeName, string][] = [
  ['VINTR', 'intr'],
  ['VQUIT', 'quit'],
  ['VERASE', 'erase'],
  ['VKILL', 'kill'],
  ['VEOF', 'eof'],
  ['VSTART', 'start'],
  ['VSTOP', 'stop'],
  ['VSUSP', 'susp'],
  ['VREPRINT', 'rprnt'],
  ['VWERASE', 'werase'],
  ['VLNEXT', 'lnext'],
  ['VDISCARD', 'discard'],
];

/** Flags applied to a real pty, with their stty(1) names. */
const STTY_FLAGS: readonly [TerminalModeName, string][] = [
  ['ICRNL', 'icrnl'],
  ['IXON', 'ixon'],
  ['IXANY', 'ixany'],
  ['IMAXBEL', 'imaxbel'],
  ['IUTF8', 'iutf8'],
  ['ISIG', 'isig'],
  ['ICANON', 'icanon'],
  ['ECHO', 'echo'],
  ['ECHOE', 'echoe'],
  ['ECHOK', 'echok'],
  ['ECHONL', 'echonl'],
  ['IEXTEN', 'iexten'],
  ['ECHOCTL', 'echoctl'],
  ['ECHOKE', 'echoke'],
  ['OPOST', 'opost'],
  ['ONLCR', 'onlcr'],
];

/**
 * The modes we apply to a real pty, as stty(1) arguments (control characters as `0x..` numbers
 * or `undef`, flags as `name`/`-name`). Only tokens of `[a-z0-9-]` are produced, so the result
 * can be passed through a shell word split safely.
 */
export function sttyArguments(modes: TerminalModes): string[] {
  const args: string[] = [];
  for (const [mode, name] of STTY_CHARS) {
    const v = modes[mode];
    if (v === undefined) continue;
    if (v === MODE_CHAR_DISABLED) args.push(name, 'undef');
    else if (v < 256) args.push(name, `0x${v.toString(16).padStart(2, '0')}`);
  }
  for (const [mode, name] of STTY_FLAGS) {
    const v = modes[mode];
    if (v !== undefined) args.push(v === 0 ? `-${name}` : name);
  }
  return args;
}
