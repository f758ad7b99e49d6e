import { constants, Deflate, Inflate } from 'node:zlib';

/**
 * The parts of node's zlib stream objects that run zlib synchronously on one long-lived context.
 * `zlib.deflateSync()` starts a new stream per call and `_processChunk()` closes the context after
 * one call, so SSH's per-direction streams (RFC 4253 §6.2) drive the native handle themselves, the
 * way node's own `processChunkSync` does inside one call. Checked at construction, so a node
 * version that changes them fails loudly at the first compressed connection and in our tests.
 */
interface NativeZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  close(): void;
}

interface ZlibStreamInternals {
  _handle: NativeZlibHandle | null;
  /** [avail_out, avail_in] after the last write. */
  _writeState: Uint32Array;
}

/** Why {@link ZlibContext.run} stopped early. */
export class ZlibLimitError extends Error {
  override readonly name = 'ZlibLimitError';
}

/** Output chunk size: the most a single step can overshoot the output limit. */
const CHUNK = 16 * 1024;

/**
 * One zlib deflate or inflate context (RFC 1950/1951) kept across calls, run synchronously. Each
 * {@link ZlibContext.run} feeds all of its input with the given flush mode and returns what zlib
 * produced, without ever holding more than `maxOutput` plus one 16 KiB chunk of output.
 */
export class ZlibContext {
  private readonly stream: Deflate | Inflate;
  private readonly internals: ZlibStreamInternals;
  private readonly chunk = Buffer.allocUnsafe(CHUNK);
  private failure: Error | undefined;

  /** Starts a zlib-format (not raw, not gzip) context; `level` applies to deflate. */
  constructor(mode: 'deflate' | 'inflate', level = 6) {
    this.stream = mode === 'deflate' ? new Deflate({ level }) : new Inflate();
    // zlib errors also destroy the stream, which emits 'error' on the next tick.
    this.stream.on('error', (err: Error) => {
      this.failure ??= err;
    });
    const internals = this.stream as unknown as Partial<ZlibStreamInternals>;
    if (
      typeof internals._handle?.writeSync !== 'function' ||
      !(internals._writeState instanceof Uint32Array) ||
      internals._writeState.length !== 2
    ) {
      throw new Error(
        `node ${process.version}: zlib stream internals changed; synchronous SSH compression unavailable`,
      );
    }
    this.internals = internals as ZlibStreamInternals;
  }

  /** True once the context has failed or been closed. */
  get closed(): boolean {
    return this.internals._handle === null;
  }

  /**
   * Runs `input` through the context with `flush` (e.g. `Z_PARTIAL_FLUSH`, `Z_SYNC_FLUSH`).
   * Throws {@link ZlibLimitError} as soon as the output passes `maxOutput` bytes, and `Error` for
   * corrupt input or input left over after the end of the zlib stream; the context is unusable after.
   */
  run(input: Uint8Array, flush: number, maxOutput = Number.POSITIVE_INFINITY): Buffer {
    const handle = this.internals._handle;
    if (handle === null) throw this.failure ?? new Error('zlib context is closed');
    const state = this.internals._writeState;
    const parts: Buffer[] = [];
    let total = 0;
    let inOffset = 0;
    let inLeft = input.length;
    for (;;) {
      handle.writeSync(flush, input, inOffset, inLeft, this.chunk, 0, CHUNK);
      if (this.internals._handle === null || this.stream.destroyed) {
        throw this.fail(this.stream.errored ?? new Error('zlib: invalid data'));
      }
      const outLeft = state[0]!;
      const inAfter = state[1]!;
      const produced = CHUNK - outLeft;
      total += produced;
      if (total > maxOutput) {
        throw this.fail(new ZlibLimitError(`zlib output exceeds ${maxOutput} bytes`));
      }
      if (produced > 0) parts.push(Buffer.from(this.chunk.subarray(0, produced)));
      inOffset += inLeft - inAfter;
      inLeft = inAfter;
      // A full output buffer means zlib may have more to give; otherwise it has taken all it can.
      if (outLeft !== 0) break;
    }
    if (inLeft !== 0) {
      throw this.fail(new Error(`zlib: ${inLeft} bytes of input after the end of the stream`));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  /** Frees the native context; later calls to {@link ZlibContext.run} throw. */
  close(): void {
    this.internals._handle?.close();
    this.internals._handle = null;
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private fail(err: Error): Error {
    this.failure ??= err;
    this.close();
    return err;
  }
}

/** zlib flush modes used by SSH compression. */
export const ZlibFlush = {
  /** What OpenSSH's deflate uses for every packet (packet.c `compress_buffer`). */
  partial: constants.Z_PARTIAL_FLUSH,
  /** Byte-aligned flush (RFC 4253 §6.2 leaves the flush to the implementation). */
  sync: constants.Z_SYNC_FLUSH,
} as const;
