import type { FieldsOf, Shape, StructType } from './codec.js';
import { DecodeError } from './errors.js';
import { WireReader } from './reader.js';
import { WireWriter } from './writer.js';

/**
 * Declares a structure once (field order = wire order) and derives its encoder and decoder.
 * Used for channel-request payloads, signature blobs and other length-prefixed structures.
 */
export function defineStruct<S extends Shape>(name: string, shape: S): StructType<S> {
  const entries = Object.entries(shape);
  const restAt = entries.findIndex(([, c]) => c.label === 'rest');
  if (restAt !== -1 && restAt !== entries.length - 1) {
    throw new Error(`${name}: a rest field must be last`);
  }
  const readFrom = (r: WireReader): FieldsOf<S> => {
    const out: Record<string, unknown> = {};
    for (const [key, c] of entries) {
      try {
        out[key] = c.read(r);
      } catch (err) {
        if (err instanceof DecodeError) throw new DecodeError(err.message, `${name}.${key}`, { cause: err });
        throw err;
      }
    }
    return out as FieldsOf<S>;
  };
  const writeTo = (w: WireWriter, fields: FieldsOf<S>): void => {
    for (const [key, c] of entries) c.write(w, (fields as Record<string, unknown>)[key]);
  };
  return {
    name,
    shape,
    readFrom,
    writeTo,
    decode(data) {
      const r = new WireReader(data);
      const v = readFrom(r);
      endOrThrow(r, name);
      return v;
    },
    encode(fields) {
      const w = new WireWriter();
      writeTo(w, fields);
      return w.finish();
    },
  };
}

/** Throws a {@link DecodeError} naming `what` if `r` has unread bytes. */
export function endOrThrow(r: WireReader, what: string): void {
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} trailing bytes`, what);
}
