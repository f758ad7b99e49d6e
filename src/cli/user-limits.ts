import { ConfigValueError, parseSize } from '../server/config-values.js';
import type { UserLimits } from '../users/user-store.js';
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

/** Reads a connection-count flag: a whole number, or `none` (also `0`) for no limit. */
export function parseCountFlag(flag: string, value: string): number {
  const text = value.trim().toLowerCase();
  if (text === 'none') return 0;
  if (!/^\d{1,6}$/.test(text))
    throw new UserError(`--${flag} must be a number of connections, or none (got "${value}")`, {
      exit: ExitCode.Usage,
    });
  return Number(text);
}

/** A rate for people: `none`, or the largest unit that writes it whole (`1 MiB/s`, `1500 KiB/s`, `10 B/s`). */
function formatRate(bytesPerSecond: number): string {
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

/** The limits in words: `upload 1 MiB/s, download none, connections 5`. */
export function describeLimits(limits: UserLimits): string {
  const { uploadBytesPerSecond: up, downloadBytesPerSecond: down, maxConnections } = limits;
  return `upload ${formatRate(up)}, download ${formatRate(down)}, connections ${maxConnections || 'any'}`;
}

/** The limits for a table cell: only those set, `-` when none are. */
export function formatLimits(limits: UserLimits): string {
  const { uploadBytesPerSecond: up, downloadBytesPerSecond: down, maxConnections } = limits;
  const set = [
    up > 0 && `up ${formatRate(up)}`,
    down > 0 && `down ${formatRate(down)}`,
    maxConnections > 0 && `${maxConnections} conn`,
  ].filter((x): x is string => typeof x === 'string');
  return set.length === 0 ? '-' : set.join(', ');
}
