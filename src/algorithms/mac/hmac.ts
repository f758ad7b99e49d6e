import { createHmac, timingSafeEqual } from 'node:crypto';
import type { GatheredBytes, MacAlgorithm, MacInstance, MacJob } from '../types.js';
import { nativePacketCrypto, type NativeCipherHandle, type NativePacketCrypto } from '../cipher/native.js';
import { unpooledCopy } from '../../util/unpooled.js';

/**
 * A keyed HMAC over uint32 sequence number || data (RFC 4253 §6.4), truncated to `length` bytes,
 * on node:crypto: a new Hmac object per packet.
 */
class HmacInstance implements MacInstance {
  private readonly key: Buffer;
  private readonly seqBuf = Buffer.alloc(4);

  constructor(
    private readonly hash: string,
    key: Uint8Array,
    private readonly length: number,
    private readonly digestLength: number,
  ) {
    this.key = unpooledCopy(key);
  }

  compute(seq: number, data: Uint8Array, more?: Uint8Array): Uint8Array {
    this.seqBuf.writeUInt32BE(seq >>> 0, 0);
    const hmac = createHmac(this.hash, this.key).update(this.seqBuf).update(data);
    const mac = (more ? hmac.update(more) : hmac).digest();
    return this.length === this.digestLength ? mac : mac.subarray(0, this.length);
  }

  verify(seq: number, data: Uint8Array, mac: Uint8Array): boolean {
    if (mac.length !== this.length) return false;
    return timingSafeEqual(this.compute(seq, data), mac);
  }
}

/** The same on the native module: one OpenSSL HMAC context, keyed once and restarted per packet. */
class NativeHmacInstance implements MacInstance {
  private readonly handle: NativeCipherHandle;

  constructor(
    private readonly native: NativePacketCrypto,
    hash: string,
    key: Uint8Array,
    private readonly length: number,
  ) {
    this.handle = native.createHmac(hash, key);
  }

  compute(seq: number, data: Uint8Array, more?: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(this.length);
    this.native.hmac(this.handle, seq >>> 0, data, more, out);
    return out;
  }

  computeInto(seq: number, data: Uint8Array, out: Uint8Array): void {
    this.native.hmac(this.handle, seq >>> 0, data, undefined, out);
  }

  computePairInto(a: MacJob, b: MacJob): void {
    this.native.hmacPair(this.handle, a.seq >>> 0, a.data, a.out, b.seq >>> 0, b.data, b.out);
  }

  verify(seq: number, data: GatheredBytes, mac: Uint8Array): boolean {
    return mac.length === this.length && this.native.hmacVerify(this.handle, seq >>> 0, data, undefined, mac);
  }

  verifyPieces(seq: number, data: readonly Uint8Array[], mac: Uint8Array): boolean {
    return this.verify(seq, data, mac);
  }
}

/** Digests the native module serves (the others, legacy ones, stay on node:crypto). */
const NATIVE_DIGESTS: ReadonlySet<string> = new Set(['sha1', 'sha256', 'sha512']);

const digestLengths: Readonly<Record<string, number>> = {
  md5: 16,
  sha1: 20,
  sha256: 32,
  sha512: 64,
  ripemd160: 20,
};

/**
 * Builds an HMAC-based SSH MAC (RFC 4253 §6.4, RFC 6668, OpenSSH PROTOCOL §1.5 for `etm`).
 * `hash` is a node:crypto digest name; `keyLength` is the key material taken from the key
 * derivation; `length` the bytes sent on the wire (less than the digest for `-96` variants).
 * `native`: the native module, used for SHA-1 and SHA-2 when given.
 */
export function hmacMac(
  name: string,
  hash: string,
  keyLength: number,
  length: number,
  etm: boolean,
  native: NativePacketCrypto | undefined,
): MacAlgorithm {
  const digestLength = digestLengths[hash];
  if (digestLength === undefined) throw new Error(`hmacMac: unknown digest length for "${hash}"`);
  if (length > digestLength)
    throw new RangeError(`${name}: MAC length ${length} exceeds digest ${digestLength}`);
  return {
    name,
    keyLength,
    length,
    etm,
    create: (key) =>
      native && NATIVE_DIGESTS.has(hash)
        ? new NativeHmacInstance(native, hash, key, length)
        : new HmacInstance(hash, key, length, digestLength),
  };
}

/** hmac-sha2-256-etm@openssh.com (RFC 6668 HMAC, OpenSSH PROTOCOL §1.5 encrypt-then-MAC). */
export const hmacSha256Etm = hmacMac(
  'hmac-sha2-256-etm@openssh.com',
  'sha256',
  32,
  32,
  true,
  nativePacketCrypto,
);
/** hmac-sha2-512-etm@openssh.com (RFC 6668 HMAC, OpenSSH PROTOCOL §1.5 encrypt-then-MAC). */
export const hmacSha512Etm = hmacMac(
  'hmac-sha2-512-etm@openssh.com',
  'sha512',
  64,
  64,
  true,
  nativePacketCrypto,
);
/** hmac-sha1-etm@openssh.com (RFC 4253 §6.4 HMAC, OpenSSH PROTOCOL §1.5 encrypt-then-MAC). */
export const hmacSha1Etm = hmacMac('hmac-sha1-etm@openssh.com', 'sha1', 20, 20, true, nativePacketCrypto);
/** hmac-sha2-256 (RFC 6668 §2). */
export const hmacSha256 = hmacMac('hmac-sha2-256', 'sha256', 32, 32, false, nativePacketCrypto);
/** hmac-sha2-512 (RFC 6668 §2). */
export const hmacSha512 = hmacMac('hmac-sha2-512', 'sha512', 64, 64, false, nativePacketCrypto);
/** hmac-sha1 (RFC 4253 §6.4). */
export const hmacSha1 = hmacMac('hmac-sha1', 'sha1', 20, 20, false, nativePacketCrypto);
