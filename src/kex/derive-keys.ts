import { createHash } from 'node:crypto';

/** Hash names a key exchange can use for H and key derivation. */
export type KexHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/**
 * RFC 4253 §7.2 key derivation: HASH(K || H || letter || session_id), extended with
 * HASH(K || H || K1 || ...) until `length` bytes. `sharedSecret` is K already encoded (mpint or string).
 */
export function deriveKey(
  hash: KexHash,
  sharedSecret: Uint8Array,
  exchangeHash: Uint8Array,
  letter: 'A' | 'B' | 'C' | 'D' | 'E' | 'F',
  sessionId: Uint8Array,
  length: number,
): Buffer {
  if (length === 0) return Buffer.alloc(0);
  const first = createHash(hash)
    .update(sharedSecret)
    .update(exchangeHash)
    .update(letter)
    .update(sessionId)
    .digest();
  const parts: Buffer[] = [first];
  let have = first.length;
  while (have < length) {
    const h = createHash(hash).update(sharedSecret).update(exchangeHash);
    for (const p of parts) h.update(p);
    const next = h.digest();
    parts.push(next);
    have += next.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** The six keys of RFC 4253 §7.2 for one key exchange. */
export interface DerivedKeys {
  readonly ivClientToServer: Buffer;
  readonly ivServerToClient: Buffer;
  readonly keyClientToServer: Buffer;
  readonly keyServerToClient: Buffer;
  readonly macKeyClientToServer: Buffer;
  readonly macKeyServerToClient: Buffer;
}

/** Sizes needed per direction. */
export interface KeySizes {
  readonly ivClientToServer: number;
  readonly ivServerToClient: number;
  readonly keyClientToServer: number;
  readonly keyServerToClient: number;
  readonly macKeyClientToServer: number;
  readonly macKeyServerToClient: number;
}

/** Derives all six keys (RFC 4253 §7.2, letters A–F). */
export function deriveKeys(
  hash: KexHash,
  sharedSecret: Uint8Array,
  exchangeHash: Uint8Array,
  sessionId: Uint8Array,
  sizes: KeySizes,
): DerivedKeys {
  const d = (letter: 'A' | 'B' | 'C' | 'D' | 'E' | 'F', n: number) =>
    deriveKey(hash, sharedSecret, exchangeHash, letter, sessionId, n);
  return {
    ivClientToServer: d('A', sizes.ivClientToServer),
    ivServerToClient: d('B', sizes.ivServerToClient),
    keyClientToServer: d('C', sizes.keyClientToServer),
    keyServerToClient: d('D', sizes.keyServerToClient),
    macKeyClientToServer: d('E', sizes.macKeyClientToServer),
    macKeyServerToClient: d('F', sizes.macKeyServerToClient),
  };
}
