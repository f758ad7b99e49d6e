/**
 * Thrown by every wire decoder when input is truncated, oversized, malformed or has trailing bytes.
 * The transport turns it into a DISCONNECT with reason PROTOCOL_ERROR (RFC 4253 §11.1).
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    message: string,
    /** The field being read when decoding failed, when known. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(field === undefined ? message : `${field}: ${message}`, options);
  }
}

/**
 * Runs a decoder and answers undefined if the input is malformed ({@link DecodeError}); any other
 * error propagates. For handlers that refuse a malformed request rather than end the connection.
 */
export function decodeOrUndefined<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}
