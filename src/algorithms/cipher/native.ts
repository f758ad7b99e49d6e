import { addonPart } from '../../native/addon.js';
import type { GatheredBytes } from '../types.js';

/** A keyed cipher context inside the native module: opaque, freed when garbage-collected. */
export type NativeCipherHandle = { readonly __nativeCipher: unique symbol };

/**
 * The packet ciphers and MACs of the native addon (`native/packet-crypto.c`): OpenSSL's EVP
 * interface (the OpenSSL inside node) with one keyed context per direction, writing into buffers
 * the caller provides. Each `*Seal` fills `out` (plain's length + 16 bytes), reading `plain` whole
 * or in up to 16 pieces, each apart from `out` or at its own place in it; each `*Open` reads the
 * packet whole or in pieces the same way, writes the plaintext to `body` (the packet's length - 20
 * bytes: apart from the packet, or its own ciphertext bytes) and returns whether the tag
 * verified. Bad arguments throw; nothing is read or written out of bounds.
 */
export interface NativePacketCrypto {
  /** AES-GCM (RFC 5647 §7) by the key's length (16 or 32 bytes); `iv` is the 12-byte initial nonce. */
  createGcm(key: Uint8Array, iv: Uint8Array, encrypt: boolean): NativeCipherHandle;
  gcmSeal(handle: NativeCipherHandle, plain: GatheredBytes, out: Uint8Array): void;
  gcmOpen(handle: NativeCipherHandle, packet: GatheredBytes, body: Uint8Array): boolean;
  /** chacha20-poly1305@openssh.com with its 64 bytes of key (OpenSSH PROTOCOL.chacha20poly1305). */
  createChaCha(key: Uint8Array): NativeCipherHandle;
  chachaLength(handle: NativeCipherHandle, seq: number, first: Uint8Array): number;
  chachaSeal(handle: NativeCipherHandle, seq: number, plain: GatheredBytes, out: Uint8Array): void;
  chachaOpen(handle: NativeCipherHandle, seq: number, packet: GatheredBytes, body: Uint8Array): boolean;
  /** AES in SDCTR mode (RFC 4344 §4) by the key's length (16, 24 or 32 bytes), 16-byte counter. */
  createCtr(key: Uint8Array, iv: Uint8Array): NativeCipherHandle;
  /** The next bytes of keystream XORed over `input` (whole or in pieces, as the seals) into `out`, as long. */
  ctrUpdate(handle: NativeCipherHandle, input: GatheredBytes, out: Uint8Array): void;
  /**
   * HMAC (RFC 2104) keyed once, with an OpenSSL digest name (`sha256`, `sha512`, `sha1`, …).
   * For `sha256` on a CPU with the SHA extensions {@link hmacPair} computes its two MACs at once
   * unless `interleave` is false.
   */
  createHmac(digest: string, key: Uint8Array, interleave?: boolean): NativeCipherHandle;
  /**
   * Writes the first `out.length` bytes of the HMAC of uint32 `seq` ‖ `data` ‖ `more` (RFC 4253
   * §6.4); `data` whole or in up to 16 pieces.
   */
  hmac(
    handle: NativeCipherHandle,
    seq: number,
    data: GatheredBytes,
    more: Uint8Array | undefined,
    out: Uint8Array,
  ): void;
  /** Whether `mac` equals the first `mac.length` bytes of that HMAC, compared in constant time. */
  hmacVerify(
    handle: NativeCipherHandle,
    seq: number,
    data: GatheredBytes,
    more: Uint8Array | undefined,
    mac: Uint8Array,
  ): boolean;
  /** Whether {@link hmacPair} computes this HMAC's two MACs at once (see {@link createHmac}). */
  hmacInterleaves(handle: NativeCipherHandle): boolean;
  /** As {@link hmac} for two packets (`data` whole, no `more`): the MACs of two at once where it can. */
  hmacPair(
    handle: NativeCipherHandle,
    seqA: number,
    dataA: Uint8Array,
    outA: Uint8Array,
    seqB: number,
    dataB: Uint8Array,
    outB: Uint8Array,
  ): void;
}

/** Set to `0` to use node:crypto's ciphers even when the native module is built. */
export const NATIVE_CRYPTO_ENV = 'SSHD_KIT_NATIVE_CRYPTO';

/**
 * The native packet ciphers, or undefined when they are switched off ({@link NATIVE_CRYPTO_ENV}=0)
 * or the addon is not there (see `src/native/addon.ts`); node:crypto's ciphers then serve.
 */
export function loadNativePacketCrypto(env: NodeJS.ProcessEnv = process.env): NativePacketCrypto | undefined {
  return addonPart<NativePacketCrypto>(NATIVE_CRYPTO_ENV, 'gcmSeal', env);
}

/** The native packet ciphers for this process, or undefined (see {@link loadNativePacketCrypto}). */
export const nativePacketCrypto: NativePacketCrypto | undefined = loadNativePacketCrypto();
