import { DecodeError } from './errors.js';
import { asBuffer } from '../util/as-buffer.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false });

/** Largest `string` a reader accepts unless told otherwise (RFC 4253 §6.1 caps packets at 256 KiB). */
export const DEFAULT_MAX_STRING = 256 * 1024;

/** Largest mpint magnitude we decode, in bytes (16384 bits, as OpenSSH's SSHBUF_MAX_BIGNUM). */
export const MAX_MPINT_BYTES = 16384 / 8 + 1;

/**
 * Bounds-checked reader of RFC 4251 §5 data types over one buffer. Every read checks the remaining
 * length before touching memory; {@link WireReader.end} rejects trailing bytes.
 */
export class WireReader {
  private readonly buf: Buffer;
  private pos: number;

  constructor(
    data: Uint8Array,
    offset = 0,
    private readonly maxString = DEFAULT_MAX_STRING,
  ) {
    this.buf = asBuffer(data);
    this.pos = offset;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Current read offset from the start of the buffer. */
  get offset(): number {
    return this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) {
      throw new DecodeError(`needs ${n} bytes, ${this.buf.length - this.pos} left`, what);
    }
  }

  /** RFC 4251 §5 `byte`. */
  byte(): number {
    this.need(1, 'byte');
    return this.buf[this.pos++]!;
  }

  /** RFC 4251 §5 `boolean`: any non-zero value is true. */
  bool(): boolean {
    return this.byte() !== 0;
  }

  /** RFC 4251 §5 `uint32`. */
  u32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** RFC 4251 §5 `uint64`. */
  u64(): bigint {
    this.need(8, 'uint64');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * `uint64` that must fit a JavaScript safe integer (offsets and sizes); larger values are refused
   * rather than silently rounded.
   */
  u64Safe(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`value ${v} exceeds 2^53-1`, 'uint64');
    return Number(v);
  }

  /** `n` raw bytes, as a view into the underlying buffer (no copy). */
  fixed(n: number): Buffer {
    this.need(n, `byte[${n}]`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** RFC 4251 §5 `string` as raw octets, a view into the underlying buffer (no copy). */
  bytes(max = this.maxString): Buffer {
    const len = this.u32();
    if (len > max) throw new DecodeError(`string of ${len} bytes exceeds the limit of ${max}`, 'string');
    this.need(len, 'string');
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** RFC 4251 §5 `string` holding UTF-8 text; invalid UTF-8 is a decode error. */
  text(max = this.maxString): string {
    const raw = this.bytes(max);
    try {
      return strictUtf8.decode(raw);
    } catch (cause) {
      throw new DecodeError('invalid UTF-8', 'string', { cause });
    }
  }

  /** RFC 4251 §5 `string` decoded as UTF-8 with U+FFFD for invalid sequences (for human-readable fields). */
  textLenient(max = this.maxString): string {
    return lenientUtf8.decode(this.bytes(max));
  }

  /** RFC 4251 §5 `mpint` as a signed bigint (two's complement, most significant byte first). */
  mpint(): bigint {
    const raw = this.bytes(MAX_MPINT_BYTES);
    if (raw.length === 0) return 0n;
    let v = BigInt('0x' + raw.toString('hex'));
    if (raw[0]! & 0x80) v -= 1n << BigInt(raw.length * 8);
    return v;
  }

  /**
   * RFC 4251 §5 `mpint` that must be non-negative, returned as its magnitude with leading zero
   * bytes removed (the form node:crypto and key formats use).
   */
  mpintUnsigned(): Buffer {
    const raw = this.bytes(MAX_MPINT_BYTES);
    if (raw.length > 0 && raw[0]! & 0x80) throw new DecodeError('negative value', 'mpint');
    let i = 0;
    while (i < raw.length && raw[i] === 0) i++;
    return raw.subarray(i);
  }

  /** RFC 4251 §5 `name-list`: comma-separated US-ASCII names, none empty, none containing a comma. */
  nameList(max = this.maxString): string[] {
    const names = this.nameListWithEmpties(max);
    if (names.some((n) => n.length === 0)) throw new DecodeError('empty name', 'name-list');
    return names;
  }

  /**
   * A `name-list` whose empty names (`a,,b`, a trailing comma) are dropped rather than refused:
   * for KEXINIT, where libssh 0.10 sends its default cipher list with a trailing comma and
   * OpenSSH, matching names one by one, never notices. Other bytes are checked as in
   * {@link nameList}.
   */
  nameListDroppingEmpty(max = this.maxString): string[] {
    return this.nameListWithEmpties(max).filter((n) => n.length > 0);
  }

  private nameListWithEmpties(max: number): string[] {
    const raw = this.bytes(max);
    if (raw.length === 0) return [];
    for (const b of raw) {
      if (b < 0x21 || b > 0x7e) throw new DecodeError('non-printable or non-ASCII byte', 'name-list');
    }
    return raw.toString('latin1').split(',');
  }

  /** All bytes left, as a view (for the last field of a message). */
  rest(): Buffer {
    const v = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return v;
  }

  /** Throws unless every byte has been consumed. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new DecodeError(`${this.buf.length - this.pos} trailing bytes`);
    }
  }
}
