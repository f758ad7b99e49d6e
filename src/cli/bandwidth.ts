import { ConfigValueError, parseSize } from '../server/config-values.js';
import type { BandwidthLimits } from '../users/user-store.js';
import { ExitCode, UserError } from './errors.js';

/**
 * Reads a bandwidth flag: bytes per second with an optional `K`, `M` or `G` suffix (powers of
 * 1024, as sshd_config sizes), or `none` (also `0`) for no limit.
 */
export function parseRateFlag(flag: string, value: string): number {
  if (value.trim().toLowerCase() === 'none') return 0;
  try {
    return parseSize(value);
  } catch (err) {
    if (!(err instanceof ConfigValueError)) throw err;
    throw new UserError(`--${flag} must be bytes per second like 512K or 10M, or none (got "${value}")`, {
      exit: ExitCode.Usage,
    });
  }
}

/** A rate for people: `none`, or the largest unit that writes it whole (`1 MiB/s`, `1500 KiB/s`, `10 B/s`). */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond === 0) return 'none';
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytesPerSecond % size === 0) return `${bytesPerSecond / size} ${unit}/s`;
  }
  return `${bytesPerSecond} B/s`;
}

/** Both limits for a table cell: `-` when there are none. */
export function formatLimits(limits: BandwidthLimits): string {
  const { uploadBytesPerSecond: up, downloadBytesPerSecond: down } = limits;
  if (up === 0 && down === 0) return '-';
  return `up ${formatRate(up)}, down ${formatRate(down)}`;
}
