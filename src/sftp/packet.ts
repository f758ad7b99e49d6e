import { t, type FieldCodec, type FieldsOf, type Shape, type StructType } from '../wire/codec.js';
import { DecodeError } from '../wire/errors.js';
import { WireReader } from '../wire/reader.js';
import { defineStruct, endOrThrow } from '../wire/struct.js';
import { WireWriter } from '../wire/writer.js';

/** Bytes before the fields of a request or reply: uint32 length, byte type, uint32 request-id. */
export const SFTP_HEADER = 9;

/** A shape with the request id as its first field. */
type WithId<S extends Shape> = { id: FieldCodec<number> } & S;

/**
 * An SFTP packet declared once (draft-ietf-secsh-filexfer-02 §3): its type number, name and fields.
 * The encoder writes a whole frame (uint32 length, type, fields); the decoder takes a frame's
 * payload (from the type byte on), checks the type, reads every field and rejects trailing bytes.
 */
export interface SftpPacketType<S extends Shape = Shape> {
  readonly type: number;
  readonly name: string;
  readonly body: StructType<S>;
  /** A complete frame, length prefix included, ready for the output stream. */
  encode(fields: FieldsOf<S>): Buffer;
  /** Decodes a frame payload (type byte first). */
  decode(payload: Uint8Array): FieldsOf<S>;
  /** Decodes the fields after the type byte (and request id, when `S` has one). */
  decodeBody(payload: Uint8Array, offset: number): FieldsOf<S>;
}

/** The decoded value of a declared SFTP packet. */
export type SftpPacket<P> = P extends SftpPacketType<infer S> ? FieldsOf<S> : never;

/** Declares a packet whose fields follow the type byte directly (INIT, VERSION). */
export function defineSftpHello<S extends Shape>(type: number, name: string, shape: S): SftpPacketType<S> {
  return build(type, name, defineStruct(name, shape));
}

/**
 * Declares a request or reply: the `id` (uint32 request-id) is added as the first field, so every
 * packet but INIT and VERSION is written `{ id, ...fields }`.
 */
export function defineSftpPacket<S extends Shape>(
  type: number,
  name: string,
  shape: S,
): SftpPacketType<WithId<S>> {
  return build(type, name, defineStruct(name, { id: t.u32, ...shape } as WithId<S>));
}

function build<S extends Shape>(type: number, name: string, body: StructType<S>): SftpPacketType<S> {
  return {
    type,
    name,
    body,
    encode(fields) {
      const w = new WireWriter({ reserve: 4, initialSize: 128 });
      w.byte(type);
      body.writeTo(w, fields);
      const frame = w.finishWithHeader();
      frame.writeUInt32BE(frame.length - 4, 0);
      return frame;
    },
    decode(payload) {
      if (payload[0] !== type) throw new DecodeError(`expected packet ${type}, got ${payload[0]}`, name);
      return this.decodeBody(payload, 1);
    },
    decodeBody(payload, offset) {
      const r = new WireReader(payload, offset);
      const v = body.readFrom(r);
      endOrThrow(r, name);
      return v;
    },
  };
}

/** The packet type and request id at the start of a request payload, or undefined if too short. */
export function peekHeader(payload: Uint8Array): { type: number; id: number } | undefined {
  if (payload.length < 5) return undefined;
  const id = ((payload[1]! << 24) | (payload[2]! << 16) | (payload[3]! << 8) | payload[4]!) >>> 0;
  return { type: payload[0]!, id };
}
