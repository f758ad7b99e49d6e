import { createDiffieHellman } from 'node:crypto';
import type { DhEngine, DhJob, DhJobResult } from '../types.js';
import { rfc3526Group } from './dh-groups.js';
import { kexFailed } from './kex-errors.js';
import type { RandomSource } from './random.js';

/**
 * Bits of our private DH exponents. RFC 3526 §8 and OpenSSH's dh_gen_key ask for twice the
 * strength wanted; 512 bits covers 256-bit keys, beyond the ~200-bit strength of an 8192-bit group.
 */
export const DH_EXPONENT_BITS = 512;

/** A fresh private exponent of {@link DH_EXPONENT_BITS} bits, with its top bit set. */
export function dhPrivateKey(random: RandomSource): Buffer {
  const x = Buffer.from(random(DH_EXPONENT_BITS / 8));
  x[0]! |= 0x80;
  return x;
}

/**
 * Computes a {@link DhJob} on the calling thread. The RFC 3526 groups with g = 2 go to node:crypto
 * (OpenSSL's constant-time BIGNUM code, which knows these groups). Any other group (only a client
 * meets one, from a server's group exchange) uses BigInt arithmetic: node:crypto would first run
 * OpenSSL's DH_check primality tests on it, seconds for a large prime that a server chose.
 */
export function runDhJobSync(job: DhJob): DhJobResult {
  if (isBuiltInGroup(job.prime, job.generator)) {
    const dh = createDiffieHellman(Buffer.from(job.prime), Buffer.from(job.generator));
    dh.setPrivateKey(Buffer.from(job.privateKey));
    const publicKey = job.computePublic ? dh.generateKeys() : undefined;
    const sharedSecret = job.peerPublic ? dh.computeSecret(Buffer.from(job.peerPublic)) : undefined;
    return { publicKey, sharedSecret };
  }
  const p = toBigInt(job.prime);
  const x = toBigInt(job.privateKey);
  return {
    publicKey: job.computePublic ? fromBigInt(modPow(toBigInt(job.generator), x, p)) : undefined,
    sharedSecret: job.peerPublic ? fromBigInt(modPow(toBigInt(job.peerPublic), x, p)) : undefined,
  };
}

/** Whether (p, g) is one of the RFC 3526 groups with g = 2. */
export function isBuiltInGroup(prime: Uint8Array, generator: Uint8Array): boolean {
  if (generator.length !== 1 || generator[0] !== 2) return false;
  const p = Buffer.from(prime.buffer, prime.byteOffset, prime.byteLength);
  return ([14, 15, 16, 17, 18] as const).some((id) => rfc3526Group(id).prime.equals(p));
}

/** b^e mod m by square-and-multiply (used only for groups node:crypto would check first). */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

const fromBigInt = (v: bigint): Buffer => {
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex');
};

/** Runs a job on `engine`, or synchronously when there is none; failures are KEY_EXCHANGE_FAILED. */
export async function runDh(engine: DhEngine | undefined, job: DhJob, what: string): Promise<DhJobResult> {
  try {
    return engine ? await engine.run(job) : runDhJobSync(job);
  } catch (cause) {
    throw kexFailed(`${what}: Diffie-Hellman computation failed`, cause);
  }
}

const toBigInt = (bytes: Uint8Array): bigint =>
  bytes.length === 0
    ? 0n
    : BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));

/** Whether 2 <= value <= p-2. */
export function dhValueInRange(value: Uint8Array, prime: Uint8Array): boolean {
  const v = toBigInt(value);
  return v >= 2n && v <= toBigInt(prime) - 2n;
}

/**
 * Refuses a peer's e or f outside [2, p-2] (RFC 4253 §8 requires [1, p-1]; 1 and p-1 give a
 * trivial K) and, as OpenSSH's dh_pub_is_valid does, one with fewer than two bits set.
 */
export function checkDhPublic(value: Uint8Array, prime: Uint8Array, what: string): void {
  if (!dhValueInRange(value, prime)) throw kexFailed(`${what}: Diffie-Hellman public value out of range`);
  let bits = 0;
  for (let x = toBigInt(value); x > 0n && bits < 2; x &= x - 1n) bits++;
  if (bits < 2) throw kexFailed(`${what}: Diffie-Hellman public value has a single bit set`);
}

/** Number of significant bits of an unsigned big-endian magnitude. */
export function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}
