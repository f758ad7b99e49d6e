import { parsePublicKeyBlob } from './public-key.js';
import type { PublicKey } from './types.js';

/** How many parsed keys a {@link PublicKeyCache} keeps by default. */
export const DEFAULT_PUBLIC_KEY_CACHE_SIZE = 256;

/**
 * Decoded public key blobs (RFC 4253 §6.6), the most recently used kept, for the keys clients
 * offer again and again: every publickey login offers its key twice (the query and the signed
 * request, RFC 4252 §7), and a user logs in with the same key every time. Decoding one makes a
 * node:crypto key object, the bulk of a cold login's key handling. A key is a function of its
 * blob alone, so an entry never goes stale; the cache only bounds how many it holds, and blobs
 * that fail to decode are not kept. One cache per server, shared by its connections; the keys it
 * returns are frozen.
 */
export class PublicKeyCache {
  private readonly keys = new Map<string, PublicKey>();

  constructor(private readonly capacity = DEFAULT_PUBLIC_KEY_CACHE_SIZE) {}

  /** As {@link parsePublicKeyBlob}: the key, or a KeyFormatError for a blob that is not one. */
  parse(blob: Uint8Array): PublicKey {
    const id = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('latin1');
    let key = this.keys.get(id);
    if (key !== undefined) {
      this.keys.delete(id);
    } else {
      key = Object.freeze(parsePublicKeyBlob(blob));
      if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value!);
    }
    this.keys.set(id, key);
    return key;
  }

  /** Keys held now. */
  get size(): number {
    return this.keys.size;
  }
}
