import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MacAlgorithm, MacInstance } from '../types.js';
import { unpooledCopy } from '../../util/unpooled.js';

/** A keyed HMAC over uint32 sequence number || data (RFC 4253 §6.4), truncated to `length` bytes. */
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
 */
export function hmacMac(
  name: string,
  hash: string,
  keyLength: number,
  length: number,
  etm: boolean,
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
    create: (key) => new HmacInstance(hash, key, length, digestLength),
  };
}

/** hmac-sha2-256-etm@openssh.com (RFC 6668 HMAC, OpenSSH PROTOCOL §1.5 encrypt-then-MAC). */
export const hmacSha256Etm = hmacMac('hmac-sha2-256-etm@openssh.com', 'sha256', 32, 32, true);
/** hmac-sha2-512-etm@openssh.com (RFC 6668 HMAC, OpenSSH PROTOCOL §1.5 encrypt-then-MAC). */
export const hmacSha512Etm = hmacMac('hmac-sha2-512-etm@openssh.com', 'sha512', 64, 64, true);
/** hmac-sha1-etm@openssh.com (RFC 4253 §6.4 HMAC, OpenSSH PROTOCOL §1.5 encrypt-then-MAC). */
export const hmacSha1Etm = hmacMac('hmac-sha1-etm@openssh.com', 'sha1', 20, 20, true);
/** hmac-sha2-256 (RFC 6668 §2). */
export const hmacSha256 = hmacMac('hmac-sha2-256', 'sha256', 32, 32, false);
/** hmac-sha2-512 (RFC 6668 §2). */
export const hmacSha512 = hmacMac('hmac-sha2-512', 'sha512', 64, 64, false);
/** hmac-sha1 (RFC 4253 §6.4). */
export const hmacSha1 = hmacMac('hmac-sha1', 'sha1', 20, 20, false);
