import { parsePublicKeyBlob } from './public-key.js';
import type { PublicKey } from './types.js';

/** How many parsed keys a {@link PublicKeyCache} keeps by default. */
export const DEFAULT_PUBLIC_KEY_CACHE_SIZE = 256;

/**
 * Values decoded from blobs, the most recently used kept: `decode` must be a function of the blob
 * alone (and of settings fixed for the cache's life), so an entry never goes stale and the cache
 * only bounds how many it holds. A blob that fails to decode (throws) is not kept.
 */
export class DecodedBlobCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly decode: (blob: Uint8Array) => T,
    private readonly capacity = DEFAULT_PUBLIC_KEY_CACHE_SIZE,
  ) {}

  /** The value decoded from `blob`, or whatever `decode` throws for it. */
  get(blob: Uint8Array): T {
    const id = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('latin1');
    let value = this.entries.get(id);
    if (value !== undefined) {
      this.entries.delete(id);
    } else {
      value = this.decode(blob);
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(id, value);
    return value;
  }

  /** Values held now. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * Decoded public key blobs (RFC 4253 §6.6), for the keys clients offer again and again: every
 * publickey login offers its key twice (the query and the signed request, RFC 4252 §7), and a
 * user logs in with the same key every time. Decoding one makes a node:crypto key object, the
 * bulk of a cold login's key handling. One cache per server, shared by its connections; the keys
 * it returns are frozen.
 */
export class PublicKeyCache extends DecodedBlobCache<PublicKey> {
  constructor(capacity = DEFAULT_PUBLIC_KEY_CACHE_SIZE) {
    super((blob) => Object.freeze(parsePublicKeyBlob(blob)), capacity);
  }

  /** As {@link parsePublicKeyBlob}: the key, or a KeyFormatError for a blob that is not one. */
  parse(blob: Uint8Array): PublicKey {
    return this.get(blob);
  }
}
