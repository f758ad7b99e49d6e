/** OpenSSH's MaxStartups `start:rate:full` (sshd_config(5)). */
export interface MaxStartups {
  readonly start: number;
  readonly rate: number;
  readonly full: number;
}

/** OpenSSH's default, 10:30:100. */
export const DEFAULT_MAX_STARTUPS: MaxStartups = { start: 10, rate: 30, full: 100 };

/** Parses `start:rate:full` or a single number; throws a one-line error naming the fix. */
export function parseMaxStartups(text: string | number): MaxStartups {
  const s = String(text).trim();
  const m = /^(\d+)(?::(\d+):(\d+))?$/.exec(s);
  if (!m) throw new Error(`maxStartups "${s}" is not "start:rate:full" or a number (e.g. 10:30:100)`);
  const start = Number(m[1]);
  if (m[2] === undefined) return { start, rate: 100, full: start };
  const rate = Number(m[2]);
  const full = Number(m[3]);
  if (rate > 100 || full < start || start < 1) {
    throw new Error(`maxStartups "${s}": need 1 <= start <= full and rate <= 100`);
  }
  return { start, rate, full };
}

/**
 * Random early drop of unauthenticated connections (sshd.c should_drop_connection): below
 * `start` accept all; at or above `full` drop all; between, drop with a probability rising
 * linearly from `rate`% to 100%.
 */
export function shouldDrop(
  limits: MaxStartups,
  unauthenticated: number,
  random: () => number = Math.random,
): boolean {
  if (unauthenticated < limits.start) return false;
  if (unauthenticated >= limits.full) return true;
  const p =
    limits.rate + ((100 - limits.rate) * (unauthenticated - limits.start)) / (limits.full - limits.start);
  return random() * 100 < p;
}
