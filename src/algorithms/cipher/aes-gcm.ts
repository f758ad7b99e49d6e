import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import type { AeadCipherAlgorithm, AeadPacketCipher } from '../types.js';
import { macError } from './aead-errors.js';
import { unpooledCopies } from '../../util/unpooled.js';

const TAG_LENGTH = 16;

/**
 * One direction of AES-GCM as OpenSSH uses it (RFC 5647 §7.1, OpenSSH PROTOCOL §1.6): the 4-byte
 * packet length travels in clear and is the additional authenticated data; the 12-byte nonce is a
 * 4-byte fixed field followed by an 8-byte invocation counter, incremented after every packet.
 * The sequence number is not used.
 */
class AesGcmPacketCipher implements AeadPacketCipher {
  readonly tagLength = TAG_LENGTH;
  private readonly key: Buffer;
  /** fixed(4) || invocation_counter(8), the nonce of the next packet. */
  private readonly iv: Buffer;

  constructor(
    private readonly name: string,
    private readonly mode: CipherGCMTypes,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    if (iv.length < 12) throw new RangeError(`${name} needs a 12-byte IV, got ${iv.length}`);
    [this.key, this.iv] = unpooledCopies(key, iv.subarray(0, 12)) as [Buffer, Buffer];
  }

  /** Adds one to the 64-bit invocation counter, wrapping modulo 2^64 (RFC 5647 §7.1). */
  private nextIv(): void {
    const lo = (this.iv.readUInt32BE(8) + 1) >>> 0;
    this.iv.writeUInt32BE(lo, 8);
    if (lo === 0) this.iv.writeUInt32BE((this.iv.readUInt32BE(4) + 1) >>> 0, 4);
  }

  decryptLength(_seq: number, lengthField: Uint8Array): number {
    return (
      ((lengthField[0]! << 24) | (lengthField[1]! << 16) | (lengthField[2]! << 8) | lengthField[3]!) >>> 0
    );
  }

  open(_seq: number, packet: Uint8Array): Uint8Array {
    if (packet.length < 4 + TAG_LENGTH) throw macError(this.name);
    const macEnd = packet.length - TAG_LENGTH;
    const d = createDecipheriv(this.mode, this.key, this.iv, { authTagLength: TAG_LENGTH });
    d.setAAD(packet.subarray(0, 4));
    d.setAuthTag(packet.subarray(macEnd));
    const plain = d.update(packet.subarray(4, macEnd));
    try {
      d.final();
    } catch (cause) {
      throw macError(this.name, cause);
    }
    this.nextIv();
    return plain;
  }

  sealParts(_seq: number, plain: Uint8Array): Uint8Array[] {
    const c = createCipheriv(this.mode, this.key, this.iv, { authTagLength: TAG_LENGTH });
    this.nextIv();
    const lengthField = Buffer.allocUnsafe(4);
    lengthField.set(plain.subarray(0, 4));
    c.setAAD(lengthField);
    const body = c.update(plain.subarray(4));
    c.final();
    return [lengthField, body, c.getAuthTag()];
  }

  seal(_seq: number, plain: Uint8Array): Uint8Array {
    const c = createCipheriv(this.mode, this.key, this.iv, { authTagLength: TAG_LENGTH });
    this.nextIv();
    const lengthField = plain.subarray(0, 4);
    c.setAAD(lengthField);
    const body = c.update(plain.subarray(4));
    c.final();
    const out = Buffer.allocUnsafe(plain.length + TAG_LENGTH);
    out.set(lengthField, 0);
    out.set(body, 4);
    out.set(c.getAuthTag(), plain.length);
    return out;
  }
}

function aesGcm(name: string, mode: CipherGCMTypes, keyLength: number): AeadCipherAlgorithm {
  return {
    name,
    kind: 'aead',
    keyLength,
    ivLength: 12,
    blockSize: 16,
    create: (_direction, key, iv) => new AesGcmPacketCipher(name, mode, key.subarray(0, keyLength), iv),
  };
}

/** aes128-gcm@openssh.com (RFC 5647 as OpenSSH negotiates it: no separate MAC). */
export const aes128Gcm = aesGcm('aes128-gcm@openssh.com', 'aes-128-gcm', 16);
/** aes256-gcm@openssh.com (RFC 5647 as OpenSSH negotiates it: no separate MAC). */
export const aes256Gcm = aesGcm('aes256-gcm@openssh.com', 'aes-256-gcm', 32);
