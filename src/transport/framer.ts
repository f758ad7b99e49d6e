import { randomFillSync } from 'node:crypto';
import { DisconnectReason } from '../protocol/numbers.js';
import { DisconnectError } from '../protocol/errors.js';
import { ByteQueue } from '../util/byte-queue.js';
import {
  plaintextInbound,
  plaintextOutbound,
  type InboundProtection,
  type OutboundProtection,
} from './packet-protection.js';
import type { SealedBufferPool } from './sealed-buffers.js';

/** Largest packet_length we accept or send (OpenSSH's PACKET_MAX_SIZE; RFC 4253 §6.1 requires ≥ 35000). */
export const MAX_PACKET_LENGTH = 256 * 1024;

/** Most pieces a packet is opened from where it lies (the native ciphers' limit); more are joined first. */
const MAX_OPEN_PIECES = 16;

/** Smallest padding (RFC 4253 §6). */
const MIN_PADDING = 4;

/** One packet's payload as a small `head` (a message header) and the pieces of `body` (its data). */
export interface PayloadParts {
  readonly head: Uint8Array;
  readonly body: readonly Uint8Array[];
}

/** Where a packet's parts go (RFC 4253 §6): `size` is the whole packet without its MAC. */
interface PacketLayout {
  readonly payloadLength: number;
  readonly padding: number;
  readonly packetLength: number;
  readonly size: number;
}

const protocolError = (why: string): DisconnectError =>
  new DisconnectError(DisconnectReason.ProtocolError, why);

/**
 * Splits the incoming byte stream into packets (RFC 4253 §6) and authenticates and decrypts each.
 * Pull-based: {@link PacketReader.next} decodes one packet at a time, so a NEWKEYS handler can
 * switch {@link PacketReader.protection} before the next packet is decrypted. Never allocates by
 * a declared length: bytes are only held as they arrive, and lengths are checked first.
 */
export class PacketReader {
  /** Protection for the next packet; replaced at NEWKEYS. */
  protection: InboundProtection = plaintextInbound;
  /** Sequence number of the next packet (uint32, wraps; reset at NEWKEYS under strict KEX). */
  seq = 0;
  /** Packets read since the last NEWKEYS, and bytes. */
  packetsSinceKex = 0;
  bytesSinceKex = 0;

  private readonly input = new ByteQueue();
  /** packet_length of a packet whose first bytes were already decoded. */
  private pendingLength = -1;
  /** After a bad length under MAC-then-encrypt: bytes still to swallow before failing. */
  private discarding: { left: number; error: DisconnectError } | undefined;

  /** Bytes received but not yet decoded. */
  get buffered(): number {
    return this.input.length;
  }

  /** Appends received bytes. */
  push(chunk: Buffer): void {
    this.input.push(chunk);
  }

  /** Decodes the next whole packet's payload, or returns undefined when more bytes are needed. */
  next(): Buffer | undefined {
    const p = this.protection;
    if (this.discarding) return this.discard();
    if (this.pendingLength < 0) {
      if (this.buffered < p.lengthBytes) return undefined;
      const length = p.readLength(this.seq, this.input.peek(p.lengthBytes));
      try {
        this.checkLength(length, p);
      } catch (err) {
        if (!p.unauthenticatedLength || !(err instanceof DisconnectError)) throw err;
        // As OpenSSH: read on up to a whole maximum packet before failing, so the time of the
        // refusal says nothing about the decrypted length.
        this.discarding = { left: MAX_PACKET_LENGTH + p.trailerLength, error: err };
        return this.discard();
      }
      this.pendingLength = length;
    }
    const total = 4 + this.pendingLength + p.trailerLength;
    if (this.buffered < total) return undefined;
    // A packet in one received chunk is decrypted over its own bytes; one split between chunks
    // (half the packets of a bulk upload) is read from its pieces, when the protection can.
    const pieces =
      p.openPieces && !this.input.holdsInOneChunk(total)
        ? this.input.takePieces(total, MAX_OPEN_PIECES)
        : undefined;
    this.pendingLength = -1;
    const body = pieces ? p.openPieces!(this.seq, pieces, total) : p.open(this.seq, this.input.take(total));
    this.seq = (this.seq + 1) >>> 0;
    this.packetsSinceKex++;
    this.bytesSinceKex += total;
    const padding = body[0]!;
    if (padding < MIN_PADDING) throw protocolError(`padding length ${padding} below ${MIN_PADDING}`);
    if (padding > body.length - 2) throw protocolError('padding length exceeds the packet');
    return body.subarray(1, body.length - padding);
  }

  private discard(): undefined {
    const d = this.discarding!;
    const n = Math.min(d.left, this.buffered);
    this.input.take(n);
    d.left -= n;
    if (d.left === 0) throw d.error;
    return undefined;
  }

  private checkLength(length: number, p: InboundProtection): void {
    if (length < 1 + MIN_PADDING || length > MAX_PACKET_LENGTH)
      throw protocolError(`bad packet length ${length}`);
    const aligned = p.lengthAligned ? length + 4 : length;
    if (aligned % p.blockSize !== 0)
      throw protocolError(`packet length ${length} is not a multiple of the block size`);
  }
}

/**
 * Random bytes for padding (RFC 4253 §6), drawn from the CSPRNG 4 KiB at a time rather than per
 * packet (a draw costs a few microseconds whatever its size: at 256 bytes the draws took 1.4% of a
 * download's CPU). A server shares one among its connections: padding is encrypted with each
 * connection's keys, and a pool per connection would cost each idle one its size.
 */
export class PaddingSource {
  private readonly pool = Buffer.allocUnsafeSlow(4096);
  private used = this.pool.length;

  /** Fills `target[start, start + n)` with random bytes (n ≤ 255). */
  fill(target: Buffer, start: number, n: number): void {
    if (this.used + n > this.pool.length) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    this.pool.copy(target, start, this.used, this.used + n);
    this.used += n;
  }
}

const EMPTY = Buffer.alloc(0);

/** New keys for one direction: its re-key counters restart, and with strict KEX its sequence number. */
export function restartCounts(framer: PacketReader | PacketWriter, resetSequence: boolean): void {
  framer.packetsSinceKex = 0;
  framer.bytesSinceKex = 0;
  if (resetSequence) framer.seq = 0;
}

/** Packets at least this large are framed in the writer's reusable buffer instead of a fresh one. */
const REUSE_FROM = 4096;

/** Most payload pieces sealed where they lie (with the header and the padding, the native limit of 16). */
const MAX_BODY_PIECES = 14;

/** Frames, pads and seals outgoing payloads (RFC 4253 §6). */
export class PacketWriter {
  /** Protection for the next packet; replaced when we send NEWKEYS. */
  protection: OutboundProtection = plaintextOutbound;
  /** Sequence number of the next packet. */
  seq = 0;
  packetsSinceKex = 0;
  bytesSinceKex = 0;
  /**
   * Plaintext of large packets that are not sealed in place (in a pooled buffer), reused: the
   * cipher copies it, so one buffer per connection replaces an allocation (and the garbage
   * collection it causes) per packet. Made on the first such packet, so idle connections (and
   * connections on the native ciphers) never hold one.
   */
  private scratch: Buffer | undefined;

  constructor(
    private readonly padding = new PaddingSource(),
    /** Where large packets are sealed when the protection can seal into a buffer (see its doc). */
    private readonly sealed?: SealedBufferPool,
  ) {}

  /** Returns the wire bytes of one packet carrying `payload`. */
  write(payload: Uint8Array): Buffer {
    const parts = this.writeParts(EMPTY, [payload]);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Returns the wire bytes of one packet whose payload is `head` followed by each of `body`, as
   * pieces to send in order (the hot path for channel data, whose small header and data arrive
   * separately, the data possibly in several pieces). Into a pooled buffer, a protection that seals
   * from pieces encrypts the payload from where it lies; otherwise the payload is copied once,
   * straight into the packet, and a cipher that can return the length field, ciphertext and tag
   * separately is not made to join them. The pieces are not read after this returns.
   */
  writeParts(head: Uint8Array, body: readonly Uint8Array[]): Buffer[] {
    const p = this.protection;
    const layout = this.layout(head, body);
    // A large packet the protection can seal in place is framed straight into its pooled buffer.
    const out = this.pooledOutput(p, layout.size);
    if (out && p.sealPiecesInto && body.length <= MAX_BODY_PIECES) {
      // The cipher reads the payload where it lies, between the header and padding framed here.
      p.sealPiecesInto(this.seq, this.frameAround(layout, head, body, out), out);
      return this.sent([out]);
    }
    const plain = out ? out.subarray(0, layout.size) : this.plainBuffer(p, layout.size);
    this.frame(layout, head, plain);
    let at = 5 + head.length;
    for (const piece of body) {
      plain.set(piece, at);
      at += piece.length;
    }
    if (out) {
      p.sealInto!(this.seq, plain, out);
      return this.sent([out]);
    }
    return this.sent(p.sealParts ? p.sealParts(this.seq, plain) : [p.seal(this.seq, plain)]);
  }

  /**
   * As {@link writeParts} for each of `packets`, in order. Two large packets in a row are sealed
   * together when the protection is faster that way ({@link OutboundProtection.sealPiecesIntoPair}).
   */
  writePartsBatch(packets: readonly PayloadParts[]): Buffer[][] {
    const wires: Buffer[][] = [];
    for (let i = 0; i < packets.length; i++) {
      const a = packets[i]!;
      const b = packets[i + 1];
      const pair = b && this.sealPair(a, b);
      if (pair) {
        wires.push(...pair);
        i++;
      } else wires.push(this.writeParts(a.head, a.body));
    }
    return wires;
  }

  /** Seals `a` and `b` together into pooled buffers, or returns undefined when they cannot be. */
  private sealPair(a: PayloadParts, b: PayloadParts): [Buffer[], Buffer[]] | undefined {
    const p = this.protection;
    if (!p.sealPiecesIntoPair || a.body.length > MAX_BODY_PIECES || b.body.length > MAX_BODY_PIECES)
      return undefined;
    const [layoutA, layoutB] = [this.layout(a.head, a.body), this.layout(b.head, b.body)];
    if (!this.poolable(p, layoutA.size) || !this.poolable(p, layoutB.size)) return undefined;
    const outA = this.sealed!.take(layoutA.size + p.trailerLength);
    const outB = this.sealed!.take(layoutB.size + p.trailerLength);
    const piecesA = this.frameAround(layoutA, a.head, a.body, outA);
    const piecesB = this.frameAround(layoutB, b.head, b.body, outB);
    p.sealPiecesIntoPair(this.seq, piecesA, outA, piecesB, outB);
    return [this.sent([outA]), this.sent([outB])];
  }

  /** The packet carrying `head` and `body`: its padding and lengths (RFC 4253 §6). */
  private layout(head: Uint8Array, body: readonly Uint8Array[]): PacketLayout {
    const p = this.protection;
    const block = p.blockSize;
    let payloadLength = head.length;
    for (const piece of body) payloadLength += piece.length;
    const unpadded = (p.lengthAligned ? 5 : 1) + payloadLength;
    let padding = block - (unpadded % block);
    if (padding < MIN_PADDING) padding += block;
    const packetLength = 1 + payloadLength + padding;
    if (packetLength > MAX_PACKET_LENGTH)
      throw new RangeError(`payload of ${payloadLength} bytes is too large`);
    return { payloadLength, padding, packetLength, size: 4 + packetLength };
  }

  /** Writes the packet's length fields, `head` and random padding into `plain`, leaving the place of the body. */
  private frame(layout: PacketLayout, head: Uint8Array, plain: Buffer): void {
    plain.writeUInt32BE(layout.packetLength, 0);
    plain[4] = layout.padding;
    plain.set(head, 5);
    this.padding.fill(plain, 5 + layout.payloadLength, layout.padding);
  }

  /** Frames the packet in `plain` and returns its plaintext as pieces: the header, `body` where it lies, the padding. */
  private frameAround(
    layout: PacketLayout,
    head: Uint8Array,
    body: readonly Uint8Array[],
    plain: Buffer,
  ): Uint8Array[] {
    this.frame(layout, head, plain);
    return [
      plain.subarray(0, 5 + head.length),
      ...body,
      plain.subarray(5 + layout.payloadLength, layout.size),
    ];
  }

  /** Counts one packet sealed into `wire`, and returns it. */
  private sent(wire: Buffer[]): Buffer[] {
    this.seq = (this.seq + 1) >>> 0;
    this.packetsSinceKex++;
    for (const w of wire) this.bytesSinceKex += w.length;
    return wire;
  }

  /** A pooled buffer for a packet of `size` bytes and its trailer, when it is to be sealed in place. */
  private pooledOutput(p: OutboundProtection, size: number): Buffer | undefined {
    return this.poolable(p, size) ? this.sealed!.take(size + p.trailerLength) : undefined;
  }

  /** Whether a packet of `size` bytes is sealed in place, into a pooled buffer. */
  private poolable(p: OutboundProtection, size: number): boolean {
    const sealed = this.sealed;
    return !!p.sealInto && !!sealed && size >= REUSE_FROM && size + p.trailerLength <= sealed.capacity;
  }

  /** Where the plaintext of a packet that is not sealed in place is framed. */
  private plainBuffer(p: OutboundProtection, size: number): Buffer {
    if (size < REUSE_FROM || !p.copiesPlain) return Buffer.allocUnsafe(size);
    if (!this.scratch || this.scratch.length < size)
      this.scratch = Buffer.allocUnsafe(Math.max(size, 32 * 1024 + 256));
    return this.scratch.subarray(0, size);
  }
}
