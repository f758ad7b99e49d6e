import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import type { AeadCipherAlgorithm, AeadPacketCipher, CipherDirection, GatheredBytes } from '../types.js';
import { macError } from './aead-errors.js';
import { nativePacketCrypto, type NativePacketCrypto } from './native.js';
import { NativeAeadPacketCipher } from './native-aead.js';
import { unpooledCopies } from '../../util/unpooled.js';

const TAG_LENGTH = 16;

/** The packet length, which AES-GCM leaves in clear (it is the additional authenticated data). */
const clearLength = (lengthField: Uint8Array): number =>
  ((lengthField[0]! << 24) | (lengthField[1]! << 16) | (lengthField[2]! << 8) | lengthField[3]!) >>> 0;

/** The 12-byte initial nonce from the derived IV. */
function initialNonce(name: string, iv: Uint8Array): Uint8Array {
  if (iv.length < 12) throw new RangeError(`${name} needs a 12-byte IV, got ${iv.length}`);
  return iv.subarray(0, 12);
}

/**
 * One direction of AES-GCM as OpenSSH uses it (RFC 5647 §7.1, OpenSSH PROTOCOL §1.6): the 4-byte
 * packet length travels in clear and is the additional authenticated data; the 12-byte nonce is a
 * 4-byte fixed field followed by an 8-byte invocation counter, incremented after every packet.
 * The sequence number is not used. This one is on node:crypto, a new cipher object per packet.
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
    [this.key, this.iv] = unpooledCopies(key, initialNonce(name, iv)) as [Buffer, Buffer];
  }

  decryptLength(_seq: number, lengthField: Uint8Array): number {
    return clearLength(lengthField);
  }

  /** Adds one to the 64-bit invocation counter, wrapping modulo 2^64 (RFC 5647 §7.1). */
  private nextIv(): void {
    const lo = (this.iv.readUInt32BE(8) + 1) >>> 0;
    this.iv.writeUInt32BE(lo, 8);
    if (lo === 0) this.iv.writeUInt32BE((this.iv.readUInt32BE(4) + 1) >>> 0, 4);
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

/**
 * One direction of AES-GCM on the native module: its OpenSSL context keeps the key schedule and
 * the nonce (counting invocations itself), so a packet costs no cipher object and no allocation
 * (the sealed output can go into a buffer the caller reuses); incoming packets are decrypted over
 * their own bytes.
 */
class NativeAesGcmPacketCipher extends NativeAeadPacketCipher {
  constructor(
    name: string,
    native: NativePacketCrypto,
    direction: CipherDirection,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    super(name, native, native.createGcm(key, initialNonce(name, iv), direction === 'encrypt'));
  }

  decryptLength(_seq: number, lengthField: Uint8Array): number {
    return clearLength(lengthField);
  }

  protected openNative(_seq: number, packet: GatheredBytes, body: Uint8Array): boolean {
    return this.native.gcmOpen(this.handle, packet, body);
  }

  sealInto(_seq: number, plain: GatheredBytes, out: Uint8Array): void {
    this.native.gcmSeal(this.handle, plain, out);
  }
}

/**
 * An AES-GCM algorithm record: on the native module when it is given (the exported records are,
 * when it is built), else on node:crypto. Both produce the same packets; tests compare them.
 */
export function createAesGcm(
  name: string,
  mode: CipherGCMTypes,
  keyLength: number,
  native: NativePacketCrypto | undefined,
): AeadCipherAlgorithm {
  return {
    name,
    kind: 'aead',
    keyLength,
    ivLength: 12,
    blockSize: 16,
    create: (direction, key, iv) =>
      native
        ? new NativeAesGcmPacketCipher(name, native, direction, key.subarray(0, keyLength), iv)
        : new AesGcmPacketCipher(name, mode, key.subarray(0, keyLength), iv),
  };
}

/** aes128-gcm@openssh.com (RFC 5647 as OpenSSH negotiates it: no separate MAC). */
export const aes128Gcm = createAesGcm('aes128-gcm@openssh.com', 'aes-128-gcm', 16, nativePacketCrypto);
/** aes256-gcm@openssh.com (RFC 5647 as OpenSSH negotiates it: no separate MAC). */
export const aes256Gcm = createAesGcm('aes256-gcm@openssh.com', 'aes-256-gcm', 32, nativePacketCrypto);
