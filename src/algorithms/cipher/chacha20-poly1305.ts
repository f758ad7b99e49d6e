import { createCipheriv, timingSafeEqual } from 'node:crypto';
import type { AeadCipherAlgorithm, AeadPacketCipher, GatheredBytes } from '../types.js';
import { macError } from './aead-errors.js';
import { nativePacketCrypto, type NativePacketCrypto } from './native.js';
import { NativeAeadPacketCipher } from './native-aead.js';
import { Poly1305Engine } from './poly1305-wasm.js';
import { unpooledCopy } from '../../util/unpooled.js';
import { ChaCha20Block } from '../../crypto/chacha20-block.js';

const NAME = 'chacha20-poly1305@openssh.com';
const TAG_LENGTH = 16;

function checkKey(key: Uint8Array): void {
  if (key.length !== 64) throw new RangeError(`${NAME} needs a 64-byte key, got ${key.length}`);
}

/**
 * The IV node's (OpenSSL's) `chacha20` takes is 16 bytes: a 32-bit little-endian block counter and a
 * 96-bit nonce, i.e. state words 12..15 in order. OpenSSH uses the original ChaCha20 (64-bit counter in
 * words 12–13, 64-bit nonce in words 14–15) with the nonce = the sequence number as a big-endian
 * uint64. Writing the counter as a little-endian uint64 into bytes 0–7 and the sequence number as a
 * big-endian uint64 into bytes 8–15 yields the same state. Packets are far below 2^32 blocks, so the
 * counter never carries into word 13.
 */
function writeNonce(iv: Buffer, seq: number, counter: 0 | 1): Buffer {
  iv.writeUInt32LE(counter, 0);
  iv.writeUInt32LE(0, 4);
  iv.writeUInt32BE(0, 8);
  iv.writeUInt32BE(seq >>> 0, 12);
  return iv;
}

/** State word 15 for sequence number `seq`: the little-endian reading of its big-endian bytes. */
const nonceWord15 = (seq: number): number =>
  ((seq & 0xff) << 24) | ((seq & 0xff00) << 8) | ((seq >>> 8) & 0xff00) | (seq >>> 24);

/**
 * One direction of chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). The two
 * single blocks each packet needs (the length's keystream under K_1 and the Poly1305 key under
 * K_2, both block 0) come from {@link ChaCha20Block}; only the body, from block 1 on, is a node
 * `chacha20` cipher. This is the implementation on node:crypto and WebAssembly.
 */
class ChaCha20Poly1305PacketCipher implements AeadPacketCipher {
  readonly tagLength = TAG_LENGTH;
  /** K_2: encrypts the packet body and keys Poly1305. */
  private readonly mainKey: Buffer;
  private readonly mainBlock: ChaCha20Block;
  /** K_1: encrypts the 4-byte packet length. */
  private readonly lengthBlock: ChaCha20Block;
  /** Scratch nonce; createCipheriv copies it, so one per instance is enough. */
  private readonly iv = Buffer.alloc(16);
  /** Scratch keystream: the length's 4 bytes, or the 32-byte Poly1305 key (the engine copies it). */
  private readonly lengthKeystream = new Uint8Array(4);
  private readonly polyKey = new Uint8Array(32);

  constructor(
    key: Uint8Array,
    private readonly poly: Poly1305Engine,
  ) {
    checkKey(key);
    this.mainKey = unpooledCopy(key.subarray(0, 32));
    this.mainBlock = new ChaCha20Block(this.mainKey);
    this.lengthBlock = new ChaCha20Block(key.subarray(32, 64));
  }

  decryptLength(seq: number, lengthField: Uint8Array): number {
    const ks = this.lengthKeystream;
    this.lengthBlock.keystream(0, 0, nonceWord15(seq), ks);
    return (
      (((lengthField[0]! ^ ks[0]!) << 24) |
        ((lengthField[1]! ^ ks[1]!) << 16) |
        ((lengthField[2]! ^ ks[2]!) << 8) |
        (lengthField[3]! ^ ks[3]!)) >>>
      0
    );
  }

  open(seq: number, packet: Uint8Array): Uint8Array {
    if (packet.length < 4 + TAG_LENGTH) throw macError(NAME);
    const macEnd = packet.length - TAG_LENGTH;
    const expected = this.poly.mac(this.polyKeyFor(seq), packet.subarray(0, macEnd));
    const tag = packet.subarray(macEnd);
    if (!timingSafeEqual(expected, tag)) throw macError(NAME);
    return this.body(seq).update(packet.subarray(4, macEnd));
  }

  sealParts(seq: number, plain: Uint8Array): Uint8Array[] {
    const lengthField = this.encryptLength(seq, plain, Buffer.allocUnsafe(4));
    const body = this.body(seq).update(plain.subarray(4));
    return [lengthField, body, this.poly.macParts(this.polyKeyFor(seq), [lengthField, body])];
  }

  seal(seq: number, plain: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(plain.length + TAG_LENGTH);
    this.encryptLength(seq, plain, out);
    if (plain.length > 4) out.set(this.body(seq).update(plain.subarray(4)), 4);
    out.set(this.poly.mac(this.polyKeyFor(seq), out.subarray(0, plain.length)), plain.length);
    return out;
  }

  /** Writes the encrypted packet length (the first 4 bytes of `plain`) to the start of `out`. */
  private encryptLength<T extends Uint8Array>(seq: number, plain: Uint8Array, out: T): T {
    const ks = this.lengthKeystream;
    this.lengthBlock.keystream(0, 0, nonceWord15(seq), ks);
    for (let i = 0; i < 4; i++) out[i] = plain[i]! ^ ks[i]!;
    return out;
  }

  /** The Poly1305 key: the first 32 bytes of K_2's block 0. */
  private polyKeyFor(seq: number): Uint8Array {
    this.mainBlock.keystream(0, 0, nonceWord15(seq), this.polyKey);
    return this.polyKey;
  }

  /** K_2's keystream from block 1, where the packet body starts. */
  private body(seq: number) {
    return createCipheriv('chacha20', this.mainKey, writeNonce(this.iv, seq, 1));
  }
}

/**
 * One direction of chacha20-poly1305@openssh.com on the native module: two keyed OpenSSL chacha20
 * contexts and a Poly1305 context, one call per packet; incoming packets are decrypted over their
 * own bytes, and only once their tag has verified.
 */
class NativeChaCha20Poly1305PacketCipher extends NativeAeadPacketCipher {
  constructor(native: NativePacketCrypto, key: Uint8Array) {
    checkKey(key);
    super(NAME, native, native.createChaCha(key));
  }

  decryptLength(seq: number, lengthField: Uint8Array): number {
    return this.native.chachaLength(this.handle, seq >>> 0, lengthField);
  }

  protected openNative(seq: number, packet: GatheredBytes, body: Uint8Array): boolean {
    return this.native.chachaOpen(this.handle, seq >>> 0, packet, body);
  }

  sealInto(seq: number, plain: GatheredBytes, out: Uint8Array): void {
    this.native.chachaSeal(this.handle, seq >>> 0, plain, out);
  }
}

/**
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305): 64 bytes of key material split
 * into K_2 (first 32 bytes, body) and K_1 (last 32, length); nonce = sequence number; Poly1305 over
 * the encrypted length and body with the key from keystream block 0. On the native module when
 * it is given (the exported record is, when it is built). Otherwise the packet ciphers one
 * algorithm object creates share one {@link Poly1305Engine} (64 KiB of WebAssembly memory, made on
 * first use): each MAC is one synchronous call that leaves no key behind.
 */
export function createChaCha20Poly1305(native: NativePacketCrypto | undefined): AeadCipherAlgorithm {
  let engine: Poly1305Engine | undefined;
  return {
    name: NAME,
    kind: 'aead',
    keyLength: 64,
    ivLength: 0,
    blockSize: 8,
    create: (_direction, key) =>
      native
        ? new NativeChaCha20Poly1305PacketCipher(native, key)
        : new ChaCha20Poly1305PacketCipher(key, (engine ??= new Poly1305Engine())),
  };
}

/** The chacha20-poly1305@openssh.com algorithm record. */
export const chacha20Poly1305: AeadCipherAlgorithm = createChaCha20Poly1305(nativePacketCrypto);

/** Exposed for tests: the node `chacha20` IV for an OpenSSH (seq, block counter) pair. */
export function openSshChaChaIv(seq: number, counter: 0 | 1): Buffer {
  return writeNonce(Buffer.alloc(16), seq, counter);
}
