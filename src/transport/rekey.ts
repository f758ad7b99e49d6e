import type { PacketReader, PacketWriter } from './framer.js';

/** When to re-exchange keys (RFC 4344 §3; OpenSSH's `RekeyLimit`). */
export interface RekeyLimits {
  /** Bytes in either direction since the last key exchange; default depends on the cipher block size. */
  readonly bytes?: number;
  /** Seconds since the last key exchange; default none. */
  readonly seconds?: number;
}

/** RFC 4344 §3.1: rekey before 2^31 packets in one direction. */
const MAX_PACKETS = 2 ** 31;

/**
 * Default byte limit for a block size, as OpenSSH: 2^(block bits / 4) blocks for 128-bit blocks
 * (RFC 4344 §3.2), and 1 GiB for 64-bit blocks.
 */
export function defaultRekeyBytes(blockSize: number): number {
  return blockSize >= 16 ? 2 ** 32 * blockSize : 2 ** 30;
}

/**
 * Whether either direction has crossed a limit since the last key exchange. Asked after every
 * packet sent, so the clock is read only when a time limit is set.
 */
export function rekeyDue(
  reader: Pick<PacketReader, 'packetsSinceKex' | 'bytesSinceKex'>,
  writer: Pick<PacketWriter, 'packetsSinceKex' | 'bytesSinceKex'>,
  lastKexAt: number,
  blockSize: number,
  limits: RekeyLimits = {},
  now: () => number = Date.now,
): boolean {
  const bytes = Math.min(limits.bytes ?? Infinity, defaultRekeyBytes(blockSize));
  if (reader.bytesSinceKex >= bytes || writer.bytesSinceKex >= bytes) return true;
  if (reader.packetsSinceKex >= MAX_PACKETS || writer.packetsSinceKex >= MAX_PACKETS) return true;
  return limits.seconds !== undefined && now() - lastKexAt >= limits.seconds * 1000;
}
