/**
 * A copy of `bytes` in a buffer of its own. `Buffer.from` and `Buffer.allocUnsafe` hand out small
 * buffers as slices of a shared 8 KiB slab, and one long-lived slice keeps its whole slab alive:
 * keys, nonces and identifiers that live as long as a connection would pin 8 KiB or more per
 * connection. Use this for small buffers kept for a connection's lifetime.
 */
export function unpooledCopy(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * Copies of `parts` sharing one buffer of their own: as {@link unpooledCopy}, with one backing
 * store for all of them (a key and its nonce, kept together for a connection's lifetime).
 */
export function unpooledCopies(...parts: Uint8Array[]): Buffer[] {
  let total = 0;
  for (const p of parts) total += p.length;
  const store = Buffer.allocUnsafeSlow(total);
  let offset = 0;
  return parts.map((p) => {
    store.set(p, offset);
    offset += p.length;
    return store.subarray(offset - p.length, offset);
  });
}
