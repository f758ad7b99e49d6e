import type { CompressionAlgorithm, Compressor, Decompressor } from '../algorithms/types.js';

/**
 * The compression streams of one connection (RFC 4253 §6.2). Each key exchange starts new streams,
 * as OpenSSH does; a delayed method (`zlib@openssh.com`) waits until the peer has authenticated.
 * Streams that are replaced or left at close are freed at once, not when garbage collected (a
 * deflate context holds about 256 KiB of native memory).
 */
export class CompressionState {
  /** Compresses outgoing payloads, when compression is on. */
  compressor: Compressor | undefined;
  /** Inflates incoming payloads, when compression is on. */
  decompressor: Decompressor | undefined;
  /** Streams waiting for authentication. */
  private delayedOut: Compressor | undefined;
  private delayedIn: Decompressor | undefined;

  /** New keys for `direction`: start `algorithm`'s stream, or keep it for after authentication. */
  install(direction: 'in' | 'out', algorithm: CompressionAlgorithm, authenticated: boolean): void {
    this.release(direction);
    const wait = algorithm.delayed && !authenticated;
    if (direction === 'out') {
      const stream = algorithm.createCompressor();
      if (!wait) this.compressor = stream;
      else if (stream) this.delayedOut = stream;
    } else {
      const stream = algorithm.createDecompressor();
      if (!wait) this.decompressor = stream;
      else if (stream) this.delayedIn = stream;
    }
  }

  /** The peer has authenticated: delayed streams start. */
  startDelayed(): void {
    if (this.delayedOut) this.compressor = this.delayedOut;
    if (this.delayedIn) this.decompressor = this.delayedIn;
    this.delayedOut = undefined;
    this.delayedIn = undefined;
  }

  /** Frees every stream (the connection is closing). */
  close(): void {
    this.release('out');
    this.release('in');
  }

  private release(direction: 'in' | 'out'): void {
    if (direction === 'out') {
      this.compressor?.close?.();
      this.delayedOut?.close?.();
      this.compressor = undefined;
      this.delayedOut = undefined;
    } else {
      this.decompressor?.close?.();
      this.delayedIn?.close?.();
      this.decompressor = undefined;
      this.delayedIn = undefined;
    }
  }
}
