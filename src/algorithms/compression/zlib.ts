import { DisconnectError } from '../../protocol/errors.js';
import { DisconnectReason } from '../../protocol/numbers.js';
import type { CompressionAlgorithm, Compressor, Decompressor } from '../types.js';
import { ZlibContext, ZlibFlush, ZlibLimitError } from './zlib-stream.js';

/**
 * Outgoing payload compression (RFC 4253 §6.2): one deflate stream (level 6, as OpenSSH) for the
 * life of the keys, each payload ended with a partial flush so the peer can inflate it at once, as
 * OpenSSH's `compress_buffer` does.
 */
export class ZlibCompressor implements Compressor {
  private readonly context = new ZlibContext('deflate', 6);

  /** Compresses one payload; the result continues the same zlib stream. */
  compress(payload: Uint8Array): Uint8Array {
    // SSH payloads are never empty (they start with the message number); zlib would emit nothing.
    if (payload.length === 0) return new Uint8Array(0);
    return this.context.run(payload, ZlibFlush.partial);
  }

  /** Frees the zlib context (at disconnect or when the keys are replaced). */
  close(): void {
    this.context.close();
  }
}

/**
 * Incoming payload decompression (RFC 4253 §6.2): one inflate stream for the life of the keys.
 * Inflation stops as soon as a payload grows past the caller's limit, so a compression bomb ends
 * the connection with COMPRESSION_ERROR after at most the limit plus 16 KiB of output.
 */
export class ZlibDecompressor implements Decompressor {
  private readonly context = new ZlibContext('inflate');

  /** Inflates one payload of at most `maxOutput` bytes; throws DisconnectError(COMPRESSION_ERROR). */
  decompress(payload: Uint8Array, maxOutput: number): Uint8Array {
    try {
      return this.context.run(payload, ZlibFlush.sync, maxOutput);
    } catch (err) {
      const text =
        err instanceof ZlibLimitError
          ? `compressed packet inflates past ${maxOutput} bytes`
          : 'corrupt compressed packet';
      throw new DisconnectError(DisconnectReason.CompressionError, text, { cause: err });
    }
  }

  /** Frees the zlib context (at disconnect or when the keys are replaced). */
  close(): void {
    this.context.close();
  }
}

/** `zlib` (RFC 4253 §6.2): compression from the first NEWKEYS on, authenticated or not. */
export const zlibCompression: CompressionAlgorithm = {
  name: 'zlib',
  delayed: false,
  createCompressor: () => new ZlibCompressor(),
  createDecompressor: () => new ZlibDecompressor(),
};

/**
 * `zlib@openssh.com` (OpenSSH PROTOCOL §1.2): the same zlib streams, started only once user
 * authentication has succeeded, so no unauthenticated peer reaches the inflater.
 */
export const zlibOpenSshCompression: CompressionAlgorithm = {
  name: 'zlib@openssh.com',
  delayed: true,
  createCompressor: () => new ZlibCompressor(),
  createDecompressor: () => new ZlibDecompressor(),
};
