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
