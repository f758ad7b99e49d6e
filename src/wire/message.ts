import type { FieldsOf, Shape, StructType } from './codec.js';
import { DecodeError } from './errors.js';
import { WireReader } from './reader.js';
import { defineStruct, endOrThrow } from './struct.js';
import { WireWriter } from './writer.js';

/**
 * A message declared once: its number, name, fields and the context it belongs to. Encoder,
 * decoder and TypeScript type all derive from this declaration (DESIGN.md "One declaration per
 * message").
 */
export interface MessageType<S extends Shape = Shape> {
  /** Message number (RFC 4250 §4.1). */
  readonly number: number;
  /** RFC name without the SSH_MSG_ prefix, e.g. `CHANNEL_OPEN`. */
  readonly name: string;
  /**
   * For numbers that depend on the negotiated method (30–49 key exchange, 60–79 user auth), the
   * method family the declaration belongs to, e.g. `kex:ecdh` or `auth:publickey`.
   */
  readonly context: string | undefined;
  readonly body: StructType<S>;
  /** Encodes the message number and fields into a fresh payload. */
  encode(fields: FieldsOf<S>): Buffer;
  /** Writes the message number and fields into `w` (e.g. a packet writer with a reserved header). */
  writeTo(w: WireWriter, fields: FieldsOf<S>): void;
  /** Decodes a whole payload: checks the number byte, reads every field, rejects trailing bytes. */
  decode(payload: Uint8Array): FieldsOf<S>;
}

/** The decoded value type of a declared message. */
export type Message<M> = M extends MessageType<infer S> ? FieldsOf<S> : never;

/** Declares an SSH message (see {@link MessageType}). */
export function defineMessage<S extends Shape>(
  number: number,
  name: string,
  shape: S,
  options: { readonly context?: string } = {},
): MessageType<S> {
  if (!Number.isInteger(number) || number < 1 || number > 255)
    throw new RangeError(`bad message number ${number}`);
  const body = defineStruct(name, shape);
  const writeTo = (w: WireWriter, fields: FieldsOf<S>): void => {
    w.byte(number);
    body.writeTo(w, fields);
  };
  return {
    number,
    name,
    context: options.context,
    body,
    writeTo,
    encode(fields) {
      const w = new WireWriter({ initialSize: 64 });
      writeTo(w, fields);
      return w.finish();
    },
    decode(payload) {
      const r = new WireReader(payload);
      const n = r.byte();
      if (n !== number) throw new DecodeError(`expected message ${number}, got ${n}`, name);
      const v = body.readFrom(r);
      endOrThrow(r, name);
      return v;
    },
  };
}

/** The message number of a payload (its first byte), or throws if the payload is empty. */
export function messageNumber(payload: Uint8Array): number {
  if (payload.length === 0) throw new DecodeError('empty payload');
  return payload[0]!;
}
