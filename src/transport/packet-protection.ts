import type {
  AeadPacketCipher,
  BlockCipherStream,
  CipherAlgorithm,
  MacAlgorithm,
  MacInstance,
} from '../algorithms/types.js';
import { DisconnectReason } from '../protocol/numbers.js';
import { DisconnectError } from '../protocol/errors.js';
import { asBuffer } from '../util/as-buffer.js';
import { joinedRange, piecesRange } from '../util/byte-pieces.js';

/** Keys for one direction, as derived by RFC 4253 §7.2. */
export interface DirectionKeys {
  readonly cipher: CipherAlgorithm;
  /** Undefined for AEAD ciphers, which authenticate packets themselves. */
  readonly mac: MacAlgorithm | undefined;
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  readonly macKey: Uint8Array;
}

/**
 * Protection of incoming packets (RFC 4253 §6): how many bytes to look at to learn the packet
 * length, then how to authenticate and decrypt the rest.
 */
export interface InboundProtection {
  /** Bytes needed to learn packet_length. */
  readonly lengthBytes: number;
  /** Padding alignment; `4 + packet_length` (or `packet_length` when the length is not encrypted) must be a multiple. */
  readonly blockSize: number;
  /** Whether the uint32 length counts towards the alignment (false for EtM and AEAD modes). */
  readonly lengthAligned: boolean;
  /** Bytes after the packet (MAC or tag). */
  readonly trailerLength: number;
  /**
   * True for MAC-then-encrypt modes (RFC 4253 §6.4 with a non-EtM MAC), where packet_length is
   * decrypted before anything is authenticated: a bad length must not be reported at once, or
   * the timing of the refusal leaks plaintext (the CBC length oracle).
   */
  readonly unauthenticatedLength: boolean;
  /** Returns packet_length from the first {@link lengthBytes} bytes (which must not be passed again). */
  readLength(seq: number, first: Buffer): number;
  /**
   * Given the whole packet (length field, body and trailer), returns the plaintext body:
   * padding_length, payload, padding. Throws MAC_ERROR on authentication failure.
   */
  open(seq: number, packet: Buffer): Buffer;
  /**
   * As {@link open}, with the packet given as up to 16 pieces whose concatenation it is (`total`
   * bytes), read where they lie; returns the body in a new buffer. A packet split between two
   * socket reads is then not joined before it is decrypted. Only protections that can read pieces
   * have it (AEAD and encrypt-then-MAC on the native module); for the others the framer joins
   * the pieces first.
   */
  openPieces?(seq: number, pieces: readonly Buffer[], total: number): Buffer;
}

/** Protection of outgoing packets. */
export interface OutboundProtection {
  readonly blockSize: number;
  readonly lengthAligned: boolean;
  readonly trailerLength: number;
  /** Seals `plain` (uint32 length, padding_length, payload, padding) into wire bytes. */
  seal(seq: number, plain: Buffer): Buffer;
  /**
   * Whether {@link seal} (and {@link sealParts}) copy `plain`, so the caller may reuse its buffer
   * as soon as they return. False only when no protection is in place (the bytes go out as they are).
   */
  readonly copiesPlain: boolean;
  /** Seals into pieces to be sent in order, without joining them; keeps no reference to `plain`. */
  sealParts?(seq: number, plain: Buffer): Buffer[];
  /**
   * Seals into `out` (`plain.length + trailerLength` bytes), which the caller may reuse once sent.
   * `plain` is either apart from `out` or its start (sealing in place).
   */
  sealInto?(seq: number, plain: Buffer, out: Buffer): void;
  /**
   * As {@link sealInto}, with the plaintext given as pieces whose concatenation it is, read where
   * they lie (a payload is not copied into the packet first). The first piece holds at least the
   * length field; each piece lies apart from `out` or exactly at its own place in it; at most 16.
   */
  sealPiecesInto?(seq: number, pieces: readonly Uint8Array[], out: Buffer): void;
  /**
   * As {@link sealPiecesInto} for two consecutive packets (`seq` and `seq + 1`), where sealing two
   * together is faster: encrypt-then-MAC with a MAC that computes two at once.
   */
  sealPiecesIntoPair?(
    seq: number,
    piecesA: readonly Uint8Array[],
    outA: Buffer,
    piecesB: readonly Uint8Array[],
    outB: Buffer,
  ): void;
}

/**
 * The output of `stream.update(input)` as a piece that does not share memory with `plain` (a
 * JavaScript CBC cipher encrypts in place, and `plain` is the framer's reusable buffer).
 */
const detached = (encrypted: Uint8Array, plain: Buffer): Buffer =>
  encrypted.buffer === plain.buffer ? Buffer.from(encrypted) : asBuffer(encrypted);

const macError = (): DisconnectError =>
  new DisconnectError(DisconnectReason.MacError, 'corrupted MAC on input');

/** No encryption and no MAC: the state before the first NEWKEYS. */
export const plaintextInbound: InboundProtection = {
  lengthBytes: 4,
  blockSize: 8,
  lengthAligned: true,
  trailerLength: 0,
  unauthenticatedLength: false,
  readLength: (_seq, first) => first.readUInt32BE(0),
  open: (_seq, packet) => packet.subarray(4),
};

/** No encryption and no MAC: the state before the first NEWKEYS. */
export const plaintextOutbound: OutboundProtection = {
  copiesPlain: false,
  blockSize: 8,
  lengthAligned: true,
  trailerLength: 0,
  seal: (_seq, plain) => plain,
};

/** Builds the inbound protection for newly derived keys. */
export function createInbound(keys: DirectionKeys): InboundProtection {
  if (keys.cipher.kind === 'aead') {
    const aead = keys.cipher.create('decrypt', keys.key, keys.iv);
    return aead.openInto
      ? new AeadInboundPieces(aead, keys.cipher.blockSize)
      : new AeadInbound(aead, keys.cipher.blockSize);
  }
  if (!keys.mac) throw new Error(`cipher ${keys.cipher.name} needs a MAC`);
  const stream = keys.cipher.create('decrypt', keys.key, keys.iv);
  const mac = keys.mac.create(keys.macKey);
  return keys.mac.etm
    ? etmInbound(stream, mac, keys.mac.length, keys.cipher.blockSize)
    : macInbound(stream, mac, keys.mac.length, keys.cipher.blockSize);
}

/**
 * Builds the outbound protection for newly derived keys. The pieces are built by separate
 * functions so that no closure keeps `keys` (the raw key material) alive for the connection.
 */
export function createOutbound(keys: DirectionKeys): OutboundProtection {
  if (keys.cipher.kind === 'aead') {
    const aead = keys.cipher.create('encrypt', keys.key, keys.iv);
    return aead.sealInto
      ? new AeadOutboundInto(aead, keys.cipher.blockSize)
      : new AeadOutbound(aead, keys.cipher.blockSize);
  }
  if (!keys.mac) throw new Error(`cipher ${keys.cipher.name} needs a MAC`);
  const stream = keys.cipher.create('encrypt', keys.key, keys.iv);
  const mac = keys.mac.create(keys.macKey);
  return keys.mac.etm
    ? etmOutbound(stream, mac, keys.mac.length, keys.cipher.blockSize)
    : macOutbound(stream, mac, keys.mac.length, keys.cipher.blockSize);
}

// The AEAD protections (every default cipher) are classes: a connection holds one small object per
// direction, its methods on the prototype, rather than an object of closures.

/** What both directions of an AEAD cipher share: no MAC, the tag after the packet. */
abstract class AeadDirection {
  readonly lengthAligned = false;
  readonly trailerLength: number;

  constructor(
    protected readonly aead: AeadPacketCipher,
    readonly blockSize: number,
  ) {
    this.trailerLength = aead.tagLength;
  }
}

/** An AEAD cipher's outgoing packets: it encrypts the length itself and appends its tag. */
class AeadOutbound extends AeadDirection implements OutboundProtection {
  readonly copiesPlain = true;

  seal(seq: number, plain: Buffer): Buffer {
    return asBuffer(this.aead.seal(seq, plain));
  }

  sealParts(seq: number, plain: Buffer): Buffer[] {
    const { aead } = this;
    return aead.sealParts ? aead.sealParts(seq, plain).map(asBuffer) : [asBuffer(aead.seal(seq, plain))];
  }
}

/** The same for a cipher that can seal into a buffer it is given (the native ones). */
class AeadOutboundInto extends AeadOutbound {
  sealInto(seq: number, plain: Buffer, out: Buffer): void {
    this.aead.sealInto!(seq, plain, out);
  }

  sealPiecesInto(seq: number, pieces: readonly Uint8Array[], out: Buffer): void {
    this.aead.sealInto!(seq, pieces, out);
  }
}

/** Encrypt-then-MAC (OpenSSH PROTOCOL §1.5): the length in clear, the MAC over the ciphertext. */
function etmOutbound(
  stream: BlockCipherStream,
  mac: MacInstance,
  macLength: number,
  blockSize: number,
): OutboundProtection {
  const sealParts = (seq: number, plain: Buffer): Buffer[] => {
    const lengthField = Buffer.allocUnsafe(4);
    plain.copy(lengthField, 0, 0, 4);
    const body = detached(stream.update(plain.subarray(4)), plain);
    return [lengthField, body, asBuffer(mac.compute(seq, lengthField, body))];
  };
  const protection: OutboundProtection = {
    copiesPlain: true,
    blockSize,
    lengthAligned: false,
    trailerLength: macLength,
    seal: (seq, plain) => Buffer.concat(sealParts(seq, plain)),
    sealParts,
  };
  const sealing = withSealInto(protection, stream, mac, etmSealInto, etmSealPiecesInto);
  if (!sealing.sealPiecesInto || !mac.computePairInto) return sealing;
  const [intoStream, pairMac] = [stream as IntoStream, mac as PairMac];
  // Both packets are encrypted in order (the counter runs on), then MACed together.
  sealing.sealPiecesIntoPair = (seq, piecesA, outA, piecesB, outB) => {
    const a = etmEncryptInto(intoStream, piecesA, outA);
    const b = etmEncryptInto(intoStream, piecesB, outB);
    pairMac.computePairInto(
      { seq, data: outA.subarray(0, a), out: outA.subarray(a) },
      { seq: (seq + 1) >>> 0, data: outB.subarray(0, b), out: outB.subarray(b) },
    );
  };
  return sealing;
}

/** Encrypt-then-MAC into one buffer: the length in clear, the ciphertext, the MAC over both. */
function etmSealInto(stream: IntoStream, mac: IntoMac, seq: number, plain: Buffer, out: Buffer): void {
  etmSealPiecesInto(stream, mac, seq, [plain], out);
}

/** The same from pieces: the length field from the first piece, the cipher reading the rest where it lies. */
function etmSealPiecesInto(
  stream: IntoStream,
  mac: IntoMac,
  seq: number,
  pieces: readonly Uint8Array[],
  out: Buffer,
): void {
  const n = etmEncryptInto(stream, pieces, out);
  mac.computeInto(seq, out.subarray(0, n), out.subarray(n));
}

/** The length field in clear and the rest encrypted, from pieces into `out`; returns the packet's length there. */
function etmEncryptInto(stream: IntoStream, pieces: readonly Uint8Array[], out: Buffer): number {
  const [first, ...rest] = pieces;
  let n = 0;
  for (const piece of pieces) n += piece.length;
  out.set(first!.subarray(0, 4), 0);
  stream.updateInto([first!.subarray(4), ...rest], out.subarray(4, n));
  return n;
}

/** Classic MAC-then-encrypt (RFC 4253 §6.4): the MAC over the plaintext, everything encrypted. */
function macOutbound(
  stream: BlockCipherStream,
  mac: MacInstance,
  macLength: number,
  blockSize: number,
): OutboundProtection {
  const sealParts = (seq: number, plain: Buffer): Buffer[] => {
    const tag = asBuffer(mac.compute(seq, plain));
    return [detached(stream.update(plain), plain), tag];
  };
  const protection: OutboundProtection = {
    copiesPlain: true,
    blockSize,
    lengthAligned: true,
    trailerLength: macLength,
    seal: (seq, plain) => Buffer.concat(sealParts(seq, plain)),
    sealParts,
  };
  return withSealInto(protection, stream, mac, macSealInto);
}

/** MAC-then-encrypt into one buffer: the MAC over the plaintext after the encrypted packet. */
function macSealInto(stream: IntoStream, mac: IntoMac, seq: number, plain: Buffer, out: Buffer): void {
  const n = plain.length;
  mac.computeInto(seq, plain, out.subarray(n));
  stream.updateInto(plain, out.subarray(0, n));
}

type IntoStream = Required<BlockCipherStream>;
type IntoMac = MacInstance & Required<Pick<MacInstance, 'computeInto'>>;
type PairMac = MacInstance & Required<Pick<MacInstance, 'computePairInto'>>;

/**
 * Gives a cipher-and-MAC protection `sealInto` (and `sealPiecesInto`, when the order of MAC and
 * cipher allows it) when both can write into a given buffer (the native ones), so its packets can
 * be sealed into pooled buffers.
 */
function withSealInto(
  protection: OutboundProtection,
  stream: BlockCipherStream,
  mac: MacInstance,
  sealInto: (stream: IntoStream, mac: IntoMac, seq: number, plain: Buffer, out: Buffer) => void,
  sealPiecesInto?: (
    stream: IntoStream,
    mac: IntoMac,
    seq: number,
    pieces: readonly Uint8Array[],
    out: Buffer,
  ) => void,
): OutboundProtection {
  if (!stream.updateInto || !mac.computeInto) return protection;
  const [intoStream, intoMac] = [stream as IntoStream, mac as IntoMac];
  return Object.assign(protection, {
    sealInto: (seq: number, plain: Buffer, out: Buffer) => sealInto(intoStream, intoMac, seq, plain, out),
    ...(sealPiecesInto && {
      sealPiecesInto: (seq: number, pieces: readonly Uint8Array[], out: Buffer) =>
        sealPiecesInto(intoStream, intoMac, seq, pieces, out),
    }),
  });
}

/** An AEAD cipher's incoming packets. */
class AeadInbound extends AeadDirection implements InboundProtection {
  readonly lengthBytes = 4;
  readonly unauthenticatedLength = false;

  readLength(seq: number, first: Buffer): number {
    return this.aead.decryptLength(seq, first);
  }

  open(seq: number, packet: Buffer): Buffer {
    return asBuffer(this.aead.open(seq, packet));
  }
}

/** The same for a cipher that opens packets given in pieces (the native ones). */
class AeadInboundPieces extends AeadInbound {
  openPieces(seq: number, pieces: readonly Buffer[], total: number): Buffer {
    const body = Buffer.allocUnsafe(total - 4 - this.trailerLength);
    this.aead.openInto!(seq, pieces, body);
    return body;
  }
}

function etmInbound(
  stream: BlockCipherStream,
  mac: MacInstance,
  macLength: number,
  blockSize: number,
): InboundProtection {
  const inbound: InboundProtection = {
    lengthBytes: 4,
    blockSize,
    lengthAligned: false,
    trailerLength: macLength,
    unauthenticatedLength: false,
    readLength: (_seq, first) => first.readUInt32BE(0),
    open(seq, packet) {
      const end = packet.length - macLength;
      if (!mac.verify(seq, packet.subarray(0, end), packet.subarray(end))) throw macError();
      return asBuffer(stream.update(packet.subarray(4, end)));
    },
  };
  if (!stream.updateInto || !mac.verifyPieces) return inbound;
  return {
    ...inbound,
    openPieces(seq, pieces, total) {
      const end = total - macLength;
      if (!mac.verifyPieces!(seq, piecesRange(pieces, 0, end), joinedRange(pieces, end, total)))
        throw macError();
      const body = Buffer.allocUnsafe(end - 4);
      stream.updateInto!(piecesRange(pieces, 4, end), body);
      return body;
    },
  };
}

/**
 * Classic MAC-then-encrypt (RFC 4253 §6.4): the first block is decrypted to read the length, the
 * MAC covers the plaintext. The decrypted first block is kept so the stream cipher advances once.
 */
function macInbound(
  stream: BlockCipherStream,
  mac: MacInstance,
  macLength: number,
  blockSize: number,
): InboundProtection {
  let firstPlain: Buffer | undefined;
  return {
    lengthBytes: blockSize,
    blockSize,
    lengthAligned: true,
    trailerLength: macLength,
    unauthenticatedLength: true,
    readLength(_seq, first) {
      firstPlain = Buffer.from(stream.update(first));
      return firstPlain.readUInt32BE(0);
    },
    open(seq, packet) {
      const end = packet.length - macLength;
      const plain = Buffer.allocUnsafe(end);
      firstPlain!.copy(plain, 0);
      if (end > blockSize) plain.set(stream.update(packet.subarray(blockSize, end)), blockSize);
      firstPlain = undefined;
      if (!mac.verify(seq, plain, packet.subarray(end))) throw macError();
      return plain.subarray(4);
    },
  };
}
