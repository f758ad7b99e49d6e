import { createCipheriv, timingSafeEqual } from 'node:crypto';
import type { AeadCipherAlgorithm, AeadPacketCipher } from '../types.js';
import { macError } from './aead-errors.js';
import { Poly1305Engine } from './poly1305-wasm.js';
import { unpooledCopy } from '../../util/unpooled.js';

const NAME = 'chacha20-poly1305@openssh.com';
const TAG_LENGTH = 16;
/** One ChaCha20 block: encrypting it yields the keystream of block 0 (the Poly1305 key). */
const ZERO_BLOCK = new Uint8Array(64);

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

/** One direction of chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). */
class ChaCha20Poly1305PacketCipher implements AeadPacketCipher {
  readonly tagLength = TAG_LENGTH;
  /** K_2: encrypts the packet body and keys Poly1305. */
  private readonly mainKey: Buffer;
  /** K_1: encrypts the 4-byte packet length. */
  private readonly lengthKey: Buffer;
  /** Scratch nonce; createCipheriv copies it, so one per instance is enough. */
  private readonly iv = Buffer.alloc(16);

  constructor(
    key: Uint8Array,
    private readonly poly: Poly1305Engine,
  ) {
    if (key.length !== 64) throw new RangeError(`${NAME} needs a 64-byte key, got ${key.length}`);
    this.mainKey = unpooledCopy(key.subarray(0, 32));
    this.lengthKey = unpooledCopy(key.subarray(32, 64));
  }

  decryptLength(seq: number, lengthField: Uint8Array): number {
    const c = createCipheriv('chacha20', this.lengthKey, writeNonce(this.iv, seq, 0));
    const plain = c.update(lengthField.subarray(0, 4));
    return plain.readUInt32BE(0);
  }

  open(seq: number, packet: Uint8Array): Uint8Array {
    if (packet.length < 4 + TAG_LENGTH) throw macError(NAME);
    const macEnd = packet.length - TAG_LENGTH;
    const main = createCipheriv('chacha20', this.mainKey, writeNonce(this.iv, seq, 0));
    const polyKey = main.update(ZERO_BLOCK).subarray(0, 32);
    const expected = this.poly.mac(polyKey, packet.subarray(0, macEnd));
    const tag = packet.subarray(macEnd);
    if (!timingSafeEqual(expected, tag)) throw macError(NAME);
    // The keystream is now at block 1, where the packet body starts.
    return main.update(packet.subarray(4, macEnd));
  }

  sealParts(seq: number, plain: Uint8Array): Uint8Array[] {
    const len = createCipheriv('chacha20', this.lengthKey, writeNonce(this.iv, seq, 0));
    const lengthField = len.update(plain.subarray(0, 4));
    const main = createCipheriv('chacha20', this.mainKey, writeNonce(this.iv, seq, 0));
    const polyKey = main.update(ZERO_BLOCK).subarray(0, 32);
    const body = main.update(plain.subarray(4));
    return [lengthField, body, this.poly.macParts(polyKey, [lengthField, body])];
  }

  seal(seq: number, plain: Uint8Array): Uint8Array {
    const bodyLength = plain.length - 4;
    const out = Buffer.allocUnsafe(plain.length + TAG_LENGTH);
    const len = createCipheriv('chacha20', this.lengthKey, writeNonce(this.iv, seq, 0));
    out.set(len.update(plain.subarray(0, 4)), 0);
    const main = createCipheriv('chacha20', this.mainKey, writeNonce(this.iv, seq, 0));
    const polyKey = main.update(ZERO_BLOCK).subarray(0, 32);
    if (bodyLength > 0) out.set(main.update(plain.subarray(4)), 4);
    out.set(this.poly.mac(polyKey, out.subarray(0, plain.length)), plain.length);
    return out;
  }
}

/**
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305): 64 bytes of key material split
 * into K_2 (first 32 bytes, body) and K_1 (last 32, length); nonce = sequence number; Poly1305 over
 * the encrypted length and body with the key from keystream block 0. The packet ciphers one
 * algorithm object creates share one {@link Poly1305Engine} (64 KiB of WebAssembly memory, made on
 * first use): each MAC is one synchronous call that leaves no key behind.
 */
export function createChaCha20Poly1305(): AeadCipherAlgorithm {
  let engine: Poly1305Engine | undefined;
  return {
    name: NAME,
    kind: 'aead',
    keyLength: 64,
    ivLength: 0,
    blockSize: 8,
    create: (_direction, key) => new ChaCha20Poly1305PacketCipher(key, (engine ??= new Poly1305Engine())),
  };
}

/** The chacha20-poly1305@openssh.com algorithm record. */
export const chacha20Poly1305: AeadCipherAlgorithm = createChaCha20Poly1305();

/** Exposed for tests: the node `chacha20` IV for an OpenSSH (seq, block counter) pair. */
export function openSshChaChaIv(seq: number, counter: 0 | 1): Buffer {
  return writeNonce(Buffer.alloc(16), seq, counter);
}
