/** Medians, percentiles and the result record the benchmark writes. */

/** The median of some numbers (NaN for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile (0..100), nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** One measured value for one server, with every round's sample. */
export interface Sample {
  readonly measure: string;
  readonly server: string;
  readonly unit: string;
  /** Larger is better (MB/s, handshakes/s) or smaller (CPU, memory, latency). */
  readonly better: 'higher' | 'lower';
  readonly values: number[];
  /** The round of each value (same order), so servers' values can be paired round by round. */
  readonly rounds: (number | undefined)[];
}

/** Collects samples by (measure, server). */
export class Results {
  readonly samples = new Map<string, Sample>();

  /** Records one value; `round` (0-based) pairs it with the other servers' values of that round. */
  add(
    measure: string,
    server: string,
    unit: string,
    better: 'higher' | 'lower',
    value: number,
    round?: number,
  ): void {
    const key = `${measure}\u0000${server}`;
    let s = this.samples.get(key);
    if (!s) this.samples.set(key, (s = { measure, server, unit, better, values: [], rounds: [] }));
    if (!Number.isFinite(value)) return;
    s.values.push(value);
    s.rounds.push(round);
  }

  /** A new collection of the samples `keep` accepts (every value with its round). */
  filter(keep: (s: Sample) => boolean): Results {
    const out = new Results();
    for (const s of this.samples.values())
      if (keep(s)) s.values.forEach((v, i) => out.add(s.measure, s.server, s.unit, s.better, v, s.rounds[i]));
    return out;
  }

  /** Measures in the order first seen. */
  measures(): string[] {
    return [...new Set([...this.samples.values()].map((s) => s.measure))];
  }

  get(measure: string, server: string): Sample | undefined {
    return this.samples.get(`${measure}\u0000${server}`);
  }
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/**
 * The ratios x ÷ base of the rounds both measured (rounds are interleaved, so a pair shares the
 * machine's state of the moment).
 */
export function roundRatios(x: Sample | undefined, base: Sample | undefined): number[] {
  if (!x || !base) return [];
  const byRound = new Map<number, number>();
  base.rounds.forEach((r, i) => {
    if (r !== undefined && base.values[i] !== 0) byRound.set(r, base.values[i]!);
  });
  const ratios: number[] = [];
  x.rounds.forEach((r, i) => {
    const b = r === undefined ? undefined : byRound.get(r);
    if (b !== undefined) ratios.push(x.values[i]! / b);
  });
  return ratios;
}

/**
 * A markdown table: one row per measure, the median per server, and each server's median
 * divided by OpenSSH's (for speeds above 1 is better; for costs below 1 is better), followed,
 * when two or more rounds ran, by the range of the round-by-round ratios: a target the range
 * straddles is met in some rounds and missed in others.
 */
export function markdownTable(results: Results, servers: readonly string[]): string {
  const others = servers.includes('openssh') ? servers.filter((s) => s !== 'openssh') : [];
  const head = ['measure', 'unit', ...servers, ...others.map((s) => `${s} vs OpenSSH`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const m of results.measures()) {
    const base = results.get(m, 'openssh');
    const unit = [...results.samples.values()].find((s) => s.measure === m)!.unit;
    const cells = servers.map((s) => fmt(median(results.get(m, s)?.values ?? [])));
    const ratios = others.map((s) => {
      const x = median(results.get(m, s)?.values ?? []);
      const b = median(base?.values ?? []);
      if (!Number.isFinite(x) || !Number.isFinite(b) || x === 0 || b === 0) return '–';
      // Speeds: above 1 is better; costs (CPU, memory, latency): below 1 is better.
      const perRound = roundRatios(results.get(m, s), base);
      const range =
        perRound.length >= 2
          ? ` (${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`
          : '';
      return `${(x / b).toFixed(2)}×${range}`;
    });
    lines.push(`| ${[m, unit, ...cells, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}
