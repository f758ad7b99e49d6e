/**
 * Poly1305 (RFC 8439 §2.5) as a small WebAssembly module that this file assembles from the
 * instruction listing below: 26-bit limbs with 64-bit products, the layout of D. J. Bernstein's
 * public-domain "poly1305-donna" 32-bit variant. Node 20 exposes no Poly1305 of its own, and
 * JavaScript has no 64-bit multiply, so this runs several times faster than a pure-JS MAC.
 *
 * Memory (one 64 KiB page): key at 0..32, tag at 32..48, message chunks from 64.
 */

const KEY_AT = 0;
const TAG_AT = 32;
const DATA_AT = 64;
/** Largest chunk of whole blocks copied in at once (fills the page). */
const CHUNK = 65536 - DATA_AT;

// ---- A minimal WebAssembly binary writer ---------------------------------------------------

type Code = number[];

function uleb(n: number): Code {
  const out: Code = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(value: bigint): Code {
  const out: Code = [];
  let v = value;
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
const name = (s: string): Code => vec([...Buffer.from(s)].map((b) => [b]));

const I32 = 0x7f;
const I64 = 0x7e;

// Expressions: each returns the code that leaves one value on the stack.
const get = (local: number): Code => [0x20, ...uleb(local)];
const set = (local: number, e: Code): Code => [...e, 0x21, ...uleb(local)];
const gget = (global: number): Code => [0x23, ...uleb(global)];
const gset = (global: number, e: Code): Code => [...e, 0x24, ...uleb(global)];
const k64 = (v: number | bigint): Code => [0x42, ...sleb(BigInt(v))];
const k32 = (v: number): Code => [0x41, ...sleb(BigInt(v))];
const bin =
  (op: number) =>
  (a: Code, b: Code): Code => [...a, ...b, op];
const add = (...xs: Code[]): Code => xs.reduce((acc, x) => [...acc, ...x, 0x7c]);
const sub = bin(0x7d);
const mul = bin(0x7e);
const and = bin(0x83);
const or = bin(0x84);
const xor = bin(0x85);
const shl = (a: Code, n: number): Code => [...a, ...k64(n), 0x86];
const shrS = (a: Code, n: number): Code => [...a, ...k64(n), 0x87];
const shr = (a: Code, n: number): Code => [...a, ...k64(n), 0x88];
/** i64.load32_u from an i32 address expression plus a constant offset. */
const load32 = (addr: Code, offset: number): Code => [...addr, 0x35, 2, ...uleb(offset)];
/** i64.store32 of `value` at an i32 address plus offset. */
const store32 = (addr: Code, offset: number, value: Code): Code => [
  ...addr,
  ...value,
  0x3e,
  2,
  ...uleb(offset),
];

const M26 = 0x3ffffff;

// Globals: h0..h4 (0–4), r0..r4 (5–9), s1..s4 = 5·r1..r4 (10–13), pad0..pad3 (14–17).
const H = [0, 1, 2, 3, 4];
const R = [5, 6, 7, 8, 9];
const S = [-1, 10, 11, 12, 13];
const PAD = [14, 15, 16, 17];

/** init(): clamps r from the key at KEY_AT, keeps s (the pad), zeroes h. */
function initBody(): Code {
  const zero = k32(0);
  const t = (i: number): Code => load32(zero, KEY_AT + 4 * i);
  const r: Code[] = [
    and(t(0), k64(0x3ffffff)),
    and(or(shr(t(0), 26), shl(t(1), 6)), k64(0x3ffff03)),
    and(or(shr(t(1), 20), shl(t(2), 12)), k64(0x3ffc0ff)),
    and(or(shr(t(2), 14), shl(t(3), 18)), k64(0x3f03fff)),
    and(shr(t(3), 8), k64(0x00fffff)),
  ];
  const code: Code = [];
  r.forEach((e, i) => code.push(...gset(R[i]!, e)));
  for (let i = 1; i < 5; i++) code.push(...gset(S[i]!, mul(gget(R[i]!), k64(5))));
  for (const h of H) code.push(...gset(h, k64(0)));
  PAD.forEach((g, i) => code.push(...gset(g, load32(zero, KEY_AT + 16 + 4 * i))));
  return [0, ...code, 0x0b];
}

/** blocks(ptr i32, len i32, hibit i32): absorbs len/16 blocks from ptr. */
function blocksBody(): Code {
  // Params 0 ptr, 1 len, 2 hibit; locals: 3 end (i32), 4..8 h, 9..13 r, 14..17 s1..s4, 18..22 d, 23 c, 24 hi (i64).
  const ptr = 0;
  const end = 3;
  const h = [4, 5, 6, 7, 8];
  const r = [9, 10, 11, 12, 13];
  const s = [-1, 14, 15, 16, 17];
  const d = [18, 19, 20, 21, 22];
  const c = 23;
  const hi = 24;
  const code: Code = [];
  code.push(...set(end, [...get(0), ...get(1), 0x6a]));
  code.push(...set(hi, [...get(2), 0xad]));
  H.forEach((g, i) => code.push(...set(h[i]!, gget(g))));
  R.forEach((g, i) => code.push(...set(r[i]!, gget(g))));
  for (let i = 1; i < 5; i++) code.push(...set(s[i]!, gget(S[i]!)));

  const body: Code = [];
  const t = (i: number): Code => load32(get(ptr), 4 * i);
  body.push(...set(h[0]!, add(get(h[0]!), and(t(0), k64(M26)))));
  body.push(...set(h[1]!, add(get(h[1]!), and(or(shr(t(0), 26), shl(t(1), 6)), k64(M26)))));
  body.push(...set(h[2]!, add(get(h[2]!), and(or(shr(t(1), 20), shl(t(2), 12)), k64(M26)))));
  body.push(...set(h[3]!, add(get(h[3]!), and(or(shr(t(2), 14), shl(t(3), 18)), k64(M26)))));
  body.push(...set(h[4]!, add(get(h[4]!), or(shr(t(3), 8), get(hi)))));
  // d_i = sum over j of h_j * (r_{i-j} or 5·r_{i-j+5} when i-j < 0).
  for (let i = 0; i < 5; i++) {
    const terms: Code[] = [];
    for (let j = 0; j < 5; j++) terms.push(mul(get(h[j]!), get(i - j >= 0 ? r[i - j]! : s[i - j + 5]!)));
    body.push(...set(d[i]!, add(...terms)));
  }
  body.push(...set(c, shr(get(d[0]!), 26)), ...set(h[0]!, and(get(d[0]!), k64(M26))));
  for (let i = 1; i < 5; i++) {
    body.push(...set(d[i]!, add(get(d[i]!), get(c))));
    body.push(...set(c, shr(get(d[i]!), 26)), ...set(h[i]!, and(get(d[i]!), k64(M26))));
  }
  body.push(...set(h[0]!, add(get(h[0]!), mul(get(c), k64(5)))));
  body.push(...set(c, shr(get(h[0]!), 26)), ...set(h[0]!, and(get(h[0]!), k64(M26))));
  body.push(...set(h[1]!, add(get(h[1]!), get(c))));
  body.push(...set(ptr, [...get(ptr), ...k32(16), 0x6a]));

  // block { loop { br_if 1 (ptr >= end); body; br 0 } }
  code.push(0x02, 0x40, 0x03, 0x40, ...get(ptr), ...get(end), 0x4f, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b);
  H.forEach((g, i) => code.push(...gset(g, get(h[i]!))));
  const locals = vec([
    [1, I32],
    [22, I64],
  ]);
  return [...locals, ...code, 0x0b];
}

/** finish(): fully reduces h, adds the pad and writes the 16-byte tag at TAG_AT. */
function finishBody(): Code {
  // Locals 0..4 h, 5..9 g, 10 c, 11 mask, 12 f.
  const h = [0, 1, 2, 3, 4];
  const g = [5, 6, 7, 8, 9];
  const c = 10;
  const mask = 11;
  const f = 12;
  const code: Code = [];
  H.forEach((gl, i) => code.push(...set(h[i]!, gget(gl))));
  const carry = (from: number, to: number, times = 1): void => {
    code.push(...set(c, shr(get(h[from]!), 26)), ...set(h[from]!, and(get(h[from]!), k64(M26))));
    code.push(...set(h[to]!, add(get(h[to]!), times === 1 ? get(c) : mul(get(c), k64(times)))));
  };
  carry(1, 2);
  carry(2, 3);
  carry(3, 4);
  carry(4, 0, 5);
  carry(0, 1);
  // g = h + 5 - 2^130; keep h when g is negative (h < p).
  code.push(...set(g[0]!, add(get(h[0]!), k64(5))));
  code.push(...set(c, shr(get(g[0]!), 26)), ...set(g[0]!, and(get(g[0]!), k64(M26))));
  for (let i = 1; i < 4; i++) {
    code.push(...set(g[i]!, add(get(h[i]!), get(c))));
    code.push(...set(c, shr(get(g[i]!), 26)), ...set(g[i]!, and(get(g[i]!), k64(M26))));
  }
  code.push(...set(g[4]!, sub(add(get(h[4]!), get(c)), k64(1 << 26))));
  code.push(...set(mask, shrS(get(g[4]!), 63)));
  for (let i = 0; i < 5; i++) {
    code.push(...set(h[i]!, or(and(get(h[i]!), get(mask)), and(get(g[i]!), xor(get(mask), k64(-1))))));
  }
  const words: Code[] = [
    or(get(h[0]!), shl(get(h[1]!), 26)),
    or(shr(get(h[1]!), 6), shl(get(h[2]!), 20)),
    or(shr(get(h[2]!), 12), shl(get(h[3]!), 14)),
    or(shr(get(h[3]!), 18), shl(get(h[4]!), 8)),
  ];
  const zero = k32(0);
  words.forEach((w, i) => {
    const sum = add(and(w, k64(0xffffffff)), gget(PAD[i]!));
    code.push(...set(f, i === 0 ? sum : add(sum, shr(get(f), 32))));
    code.push(...store32(zero, TAG_AT + 4 * i, get(f)));
  });
  return [...vec([[13, I64]]), ...code, 0x0b];
}

function assemble(): Uint8Array {
  const types = vec([
    [0x60, ...vec([]), ...vec([])],
    [0x60, ...vec([[I32], [I32], [I32]]), ...vec([])],
  ]);
  const globals = vec(Array.from({ length: 18 }, () => [I64, 1, ...k64(0), 0x0b]));
  const exports = vec([
    [...name('memory'), 2, 0],
    [...name('init'), 0, 0],
    [...name('blocks'), 0, 1],
    [...name('finish'), 0, 2],
  ]);
  const code = [initBody(), blocksBody(), finishBody()].map((body) => [...uleb(body.length), ...body]);
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(3, vec([[0], [1], [0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(6, globals),
    ...section(7, exports),
    ...section(10, vec(code)),
  ]);
}

interface Poly1305Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  init(): void;
  blocks(ptr: number, len: number, hibit: number): void;
  finish(): void;
}

/** The parts of the WebAssembly global we use (the project compiles without DOM typings). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}
const Wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

/** The compiled module (immutable code; each {@link Poly1305Engine} has its own instance). */
const MODULE = new Wasm.Module(assemble());

/**
 * One Poly1305 instance with its own 64 KiB of WebAssembly memory. `mac` is synchronous and leaves
 * no key material behind, so one engine can serve every cipher of a thread.
 */
export class Poly1305Engine {
  private readonly wasm: Poly1305Exports;
  private readonly mem: Uint8Array;

  constructor() {
    this.wasm = new Wasm.Instance(MODULE).exports as Poly1305Exports;
    this.mem = new Uint8Array(this.wasm.memory.buffer);
  }

  /** The 16-byte Poly1305 tag of `message` under the one-time 32-byte `key` (RFC 8439 §2.5). */
  mac(key: Uint8Array, message: Uint8Array): Buffer {
    return this.macParts(key, [message]);
  }

  /** The tag of the concatenation of `parts`, without joining them first. */
  macParts(key: Uint8Array, parts: readonly Uint8Array[]): Buffer {
    const { mem, wasm } = this;
    mem.set(key.subarray(0, 32), KEY_AT);
    wasm.init();
    // Fill the data window from the parts in turn; hand whole 16-byte blocks to the module.
    let filled = 0;
    for (const part of parts) {
      for (let pos = 0; pos < part.length;) {
        const n = Math.min(CHUNK - filled, part.length - pos);
        mem.set(part.subarray(pos, pos + n), DATA_AT + filled);
        filled += n;
        pos += n;
        if (filled === CHUNK) {
          wasm.blocks(DATA_AT, CHUNK, 1 << 24);
          filled = 0;
        }
      }
    }
    const whole = filled & ~15;
    if (whole > 0) wasm.blocks(DATA_AT, whole, 1 << 24);
    const rest = filled - whole;
    if (rest > 0) {
      mem.copyWithin(DATA_AT, DATA_AT + whole, DATA_AT + filled);
      mem.fill(0, DATA_AT + rest, DATA_AT + 16);
      mem[DATA_AT + rest] = 1;
      wasm.blocks(DATA_AT, 16, 0);
    }
    wasm.finish();
    mem.fill(0, KEY_AT, KEY_AT + 32);
    return Buffer.from(mem.subarray(TAG_AT, TAG_AT + 16));
  }
}
