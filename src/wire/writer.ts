import { MAX_MPINT_BYTES } from './reader.js';

/** Options for {@link WireWriter}. */
export interface WireWriterOptions {
  /** Initial capacity in bytes; the buffer grows by doubling. */
  readonly initialSize?: number;
  /**
   * Bytes left free at the start of the buffer, so a packet header (RFC 4253 §6: uint32 length and
   * padding length) can be filled in later without copying the payload.
   */
  readonly reserve?: number;
}

/** Growable writer of RFC 4251 §5 data types. */
export class WireWriter {
  private buf: Buffer;
  private pos: number;
  /** Bytes reserved at the start for a header. */
  readonly reserved: number;

  constructor(options: WireWriterOptions = {}) {
    this.reserved = options.reserve ?? 0;
    this.buf = Buffer.allocUnsafe(Math.max(options.initialSize ?? 256, this.reserved + 16));
    this.pos = this.reserved;
  }

  /** Bytes written after the reserved header. */
  get length(): number {
    return this.pos - this.reserved;
  }

  /** Makes room for `n` more bytes and returns the offset where they go. */
  private grow(n: number): number {
    const need = this.pos + n;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos = need;
    return at;
  }

  /** RFC 4251 §5 `byte`. */
  byte(v: number): this {
    const at = this.grow(1);
    this.buf[at] = v & 0xff;
    return this;
  }

  /** RFC 4251 §5 `boolean` (written as 0 or 1). */
  bool(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  /** RFC 4251 §5 `uint32`. */
  u32(v: number): this {
    const at = this.grow(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  /** RFC 4251 §5 `uint64`. */
  u64(v: bigint | number): this {
    const at = this.grow(8);
    this.buf.writeBigUInt64BE(BigInt(v), at);
    return this;
  }

  /** Raw bytes with no length prefix. */
  raw(v: Uint8Array): this {
    const at = this.grow(v.length);
    this.buf.set(v, at);
    return this;
  }

  /** RFC 4251 §5 `string` from raw octets. */
  bytes(v: Uint8Array): this {
    this.u32(v.length);
    return this.raw(v);
  }

  /** RFC 4251 §5 `string` holding UTF-8 text. */
  text(v: string): this {
    const len = Buffer.byteLength(v, 'utf8');
    this.u32(len);
    const at = this.grow(len);
    this.buf.write(v, at, len, 'utf8');
    return this;
  }

  /** RFC 4251 §5 `mpint` from a signed bigint, in the minimal two's complement form. */
  mpint(v: bigint): this {
    return this.bytes(encodeMpint(v));
  }

  /** RFC 4251 §5 `mpint` from an unsigned big-endian magnitude (leading zeros are stripped). */
  mpintUnsigned(magnitude: Uint8Array): this {
    let i = 0;
    while (i < magnitude.length && magnitude[i] === 0) i++;
    const pad = i < magnitude.length && magnitude[i]! & 0x80 ? 1 : 0;
    this.u32(magnitude.length - i + pad);
    if (pad) this.byte(0);
    return this.raw(magnitude.subarray(i));
  }

  /** RFC 4251 §5 `name-list`. */
  nameList(names: readonly string[]): this {
    return this.text(names.join(','));
  }

  /** The bytes written after the reserved header (a view, valid until the next write). */
  finish(): Buffer {
    return this.buf.subarray(this.reserved, this.pos);
  }

  /** The whole buffer including the reserved header bytes (a view, valid until the next write). */
  finishWithHeader(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Minimal two's complement encoding of a bigint, as RFC 4251 §5 `mpint` requires (without the length). */
export function encodeMpint(v: bigint): Buffer {
  if (v === 0n) return Buffer.alloc(0);
  if (v > 0n) {
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    const mag = Buffer.from(hex, 'hex');
    return mag[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), mag]) : mag;
  }
  // Negative: find the smallest byte count whose two's complement range holds v.
  let n = 1;
  while (-(1n << BigInt(n * 8 - 1)) > v) n++;
  if (n > MAX_MPINT_BYTES) throw new RangeError('mpint too large');
  let hex = ((1n << BigInt(n * 8)) + v).toString(16);
  hex = hex.padStart(n * 2, '0');
  return Buffer.from(hex, 'hex');
}

/** Concatenates SSH `string` encodings of each argument (handy for signed blobs and hashes). */
export function encodeStrings(...parts: Uint8Array[]): Buffer {
  const w = new WireWriter({ initialSize: parts.reduce((n, p) => n + 4 + p.length, 0) });
  for (const p of parts) w.bytes(p);
  return w.finish();
}
