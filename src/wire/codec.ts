import { DecodeError } from './errors.js';
import type { WireReader } from './reader.js';
import type { WireWriter } from './writer.js';

/** Reads and writes one field of a declared message or structure. */
export interface FieldCodec<T> {
  /** Human-readable type name, used in decode errors. */
  readonly label: string;
  /** Reads the field; bounds-checked, throws {@link DecodeError}. */
  read(r: WireReader): T;
  write(w: WireWriter, value: T): void;
}

/** An ordered record of field codecs; key order is wire order. */
export type Shape = Record<string, FieldCodec<unknown>>;

/** The decoded (and encodable) value of a shape: every field present and read-only. */
export type FieldsOf<S extends Shape> = {
  readonly [K in keyof S]: S[K] extends FieldCodec<infer V> ? V : never;
};

const codec = <T>(
  label: string,
  read: (r: WireReader) => T,
  write: (w: WireWriter, v: T) => void,
): FieldCodec<T> => ({ label, read, write });

/**
 * Field codecs for RFC 4251 §5 data types. `text` is a `string` of UTF-8, `bytes` a `string` of raw
 * octets; `rest` takes every remaining byte and may only be the last field.
 */
export const t = {
  byte: codec<number>(
    'byte',
    (r) => r.byte(),
    (w, v) => w.byte(v),
  ),
  bool: codec<boolean>(
    'boolean',
    (r) => r.bool(),
    (w, v) => w.bool(v),
  ),
  u32: codec<number>(
    'uint32',
    (r) => r.u32(),
    (w, v) => w.u32(v),
  ),
  u64: codec<bigint>(
    'uint64',
    (r) => r.u64(),
    (w, v) => w.u64(v),
  ),
  text: codec<string>(
    'string',
    (r) => r.text(),
    (w, v) => w.text(v),
  ),
  /** UTF-8 text where invalid sequences become U+FFFD (descriptions, banners: never identifiers). */
  textLenient: codec<string>(
    'string',
    (r) => r.textLenient(),
    (w, v) => w.text(v),
  ),
  bytes: codec<Uint8Array>(
    'string',
    (r) => r.bytes(),
    (w, v) => w.bytes(v),
  ),
  mpint: codec<bigint>(
    'mpint',
    (r) => r.mpint(),
    (w, v) => w.mpint(v),
  ),
  /** Non-negative mpint as an unsigned big-endian magnitude. */
  mpintBytes: codec<Uint8Array>(
    'mpint',
    (r) => r.mpintUnsigned(),
    (w, v) => w.mpintUnsigned(v),
  ),
  nameList: codec<readonly string[]>(
    'name-list',
    (r) => r.nameList(),
    (w, v) => w.nameList(v),
  ),
  /** A name-list whose empty names are dropped on decode (KEXINIT only; see WireReader). */
  nameListDroppingEmpty: codec<readonly string[]>(
    'name-list',
    (r) => r.nameListDroppingEmpty(),
    (w, v) => w.nameList(v),
  ),
  rest: codec<Uint8Array>(
    'rest',
    (r) => r.rest(),
    (w, v) => w.raw(v),
  ),
  /** Exactly `n` raw bytes with no length prefix (e.g. the 16-byte KEXINIT cookie). */
  fixed: (n: number): FieldCodec<Uint8Array> =>
    codec(
      `byte[${n}]`,
      (r) => r.fixed(n),
      (w, v) => {
        if (v.length !== n) throw new RangeError(`expected ${n} bytes, got ${v.length}`);
        w.raw(v);
      },
    ),
  /** A `string` whose contents are themselves a declared structure. */
  nested: <S extends Shape>(inner: StructType<S>): FieldCodec<FieldsOf<S>> =>
    codec(
      inner.name,
      (r) => inner.decode(r.bytes()),
      (w, v) => w.bytes(inner.encode(v)),
    ),
  /** A `uint32` or `string` restricted to a closed set of values. */
  oneOf: <const V extends string>(values: readonly V[]): FieldCodec<V> =>
    codec(
      values.join('|'),
      (r) => {
        const v = r.text();
        if (!(values as readonly string[]).includes(v)) throw new DecodeError(`unexpected value "${v}"`);
        return v as V;
      },
      (w, v) => w.text(v),
    ),
} as const;

/** A declared structure: encoder, decoder and type derived from one shape. */
export interface StructType<S extends Shape> {
  readonly name: string;
  readonly shape: S;
  /** Reads the fields from `r` without checking for trailing bytes. */
  readFrom(r: WireReader): FieldsOf<S>;
  /** Writes the fields to `w`. */
  writeTo(w: WireWriter, fields: FieldsOf<S>): void;
  /** Decodes a whole buffer, rejecting trailing bytes. */
  decode(data: Uint8Array): FieldsOf<S>;
  /** Encodes into a fresh buffer. */
  encode(fields: FieldsOf<S>): Uint8Array;
}

/** Decoded value of a {@link StructType}. */
export type StructOf<T> = T extends StructType<infer S> ? FieldsOf<S> : never;
