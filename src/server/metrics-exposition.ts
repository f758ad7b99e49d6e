/** One sample of a metric family: its labels (in this order) and value. */
export interface MetricSample {
  /** Appended to the family's name: a histogram's `_bucket`, `_sum` and `_count`. */
  readonly suffix?: '_bucket' | '_sum' | '_count';
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family as Prometheus' text format (version 0.0.4) writes it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly samples: readonly MetricSample[];
}

/** The `Content-Type` of {@link formatExposition}'s text. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text escapes `\` and line feeds; label values also `"`. */
const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string) => escapeHelp(text).replace(/"/g, '\\"');

/** A sample value: integers as they are, the others in Go's float syntax (`+Inf`, `NaN`). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * Writes metric families in Prometheus' text exposition format (version 0.0.4): a `# HELP` and a
 * `# TYPE` line per family, then one line per sample. Names are checked; label values and help
 * text are escaped, so a value may hold any text.
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`bad metric name "${family.name}"`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const { suffix, labels, value } of family.samples) {
      const pairs = Object.entries(labels ?? {}).map(([k, v]) => {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`bad label name "${k}"`);
        return `${k}="${escapeLabel(v)}"`;
      });
      const series = `${family.name}${suffix ?? ''}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''}`;
      lines.push(`${series} ${formatValue(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A counter by label values, for labels whose values the caller keeps to a small known set (a peer
 * must never be able to add series: see {@link boundedLabel}).
 */
export class LabelledCounter {
  private readonly values = new Map<string, { readonly labels: Record<string, string>; value: number }>();

  constructor(private readonly labelNames: readonly string[]) {}

  /** Adds `by` to the series of `labelValues` (one per label name, in order). */
  inc(labelValues: readonly string[], by = 1): void {
    const key = labelValues.join('\u0000');
    const entry = this.values.get(key);
    if (entry) {
      entry.value += by;
      return;
    }
    const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, labelValues[i] ?? '']));
    this.values.set(key, { labels, value: by });
  }

  /** The series so far, in the order they first appeared. */
  samples(): MetricSample[] {
    return [...this.values.values()].map(({ labels, value }) => ({ labels, value }));
  }
}

/** Observations counted into fixed buckets (cumulative in the text, as Prometheus' histograms are). */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  /** `bounds`: the buckets' upper bounds, ascending; `+Inf` is added. */
  constructor(private readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) this.counts[i]!++;
  }

  /** The `_bucket` samples (cumulative, with `le`), then `_sum` and `_count`. */
  samples(): MetricSample[] {
    let below = 0;
    const buckets = this.bounds.map((bound, i): MetricSample => {
      below += this.counts[i]!;
      return { suffix: '_bucket', labels: { le: String(bound) }, value: below };
    });
    return [
      ...buckets,
      { suffix: '_bucket', labels: { le: '+Inf' }, value: this.count },
      { suffix: '_sum', value: this.sum },
      { suffix: '_count', value: this.count },
    ];
  }
}

/** `value` when it is one of `known`, else `other`: peer-chosen text never becomes a label of its own. */
export function boundedLabel(value: string, known: ReadonlySet<string>): string {
  return known.has(value) ? value : 'other';
}
