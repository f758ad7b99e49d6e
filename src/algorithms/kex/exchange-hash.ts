import { createHash } from 'node:crypto';
import { WireWriter } from '../../wire/index.js';
import type { KexAlgorithm, KexTranscript } from '../types.js';

/**
 * H = HASH(string V_C, string V_S, string I_C, string I_S, string K_S, <method fields>, K)
 * (RFC 4253 §8, RFC 5656 §4, RFC 4419 §3, RFC 8731 §3). `methodFields` are already SSH-encoded
 * (strings or mpints, as the method defines); `sharedSecret` is K already encoded. The version
 * strings are hashed as the bytes the transport read (it decodes them as latin1).
 */
export function computeExchangeHash(
  hash: KexAlgorithm['hash'],
  transcript: KexTranscript,
  hostKeyBlob: Uint8Array,
  methodFields: Uint8Array,
  sharedSecret: Uint8Array,
): Buffer {
  const w = new WireWriter({
    initialSize:
      64 + transcript.clientKexInit.length + transcript.serverKexInit.length + hostKeyBlob.length + 512,
  });
  w.bytes(Buffer.from(transcript.clientVersion, 'latin1'));
  w.bytes(Buffer.from(transcript.serverVersion, 'latin1'));
  w.bytes(transcript.clientKexInit);
  w.bytes(transcript.serverKexInit);
  w.bytes(hostKeyBlob);
  return createHash(hash).update(w.finish()).update(methodFields).update(sharedSecret).digest();
}

/** K as an SSH `mpint` (with its length), from an unsigned big-endian magnitude (RFC 4253 §8, RFC 8731 §3.1). */
export function encodeMpintSecret(magnitude: Uint8Array): Buffer {
  return Buffer.from(new WireWriter({ initialSize: magnitude.length + 8 }).mpintUnsigned(magnitude).finish());
}

/** K as an SSH `string` (with its length), as the post-quantum hybrids encode it. */
export function encodeStringSecret(bytes: Uint8Array): Buffer {
  return Buffer.from(new WireWriter({ initialSize: bytes.length + 8 }).bytes(bytes).finish());
}
