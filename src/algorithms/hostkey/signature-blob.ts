import { defineStruct, t } from '../../wire/index.js';

/** An SSH signature blob: the algorithm name and the algorithm-specific signature (RFC 4253 §6.6). */
export const SignatureBlob = defineStruct('signature', { algorithm: t.text, signature: t.bytes });

/** Encodes a signature blob. */
export function encodeSignatureBlob(algorithm: string, signature: Uint8Array): Uint8Array {
  return SignatureBlob.encode({ algorithm, signature });
}

/**
 * Decodes a signature blob and returns the inner signature if, and only if, it names `algorithm`
 * exactly and has no trailing bytes; otherwise undefined (never throws).
 */
export function signatureFor(algorithm: string, blob: Uint8Array): Uint8Array | undefined {
  try {
    const s = SignatureBlob.decode(blob);
    return s.algorithm === algorithm ? s.signature : undefined;
  } catch {
    return undefined;
  }
}
