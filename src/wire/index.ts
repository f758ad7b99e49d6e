export { DecodeError, decodeOrUndefined } from './errors.js';
export { WireReader, DEFAULT_MAX_STRING, MAX_MPINT_BYTES } from './reader.js';
export { WireWriter, encodeMpint, encodeStrings, type WireWriterOptions } from './writer.js';
export { t, type FieldCodec, type FieldsOf, type Shape, type StructType, type StructOf } from './codec.js';
export { defineStruct, endOrThrow } from './struct.js';
export { defineMessage, messageNumber, type MessageType, type Message } from './message.js';
