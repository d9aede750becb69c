// Prometheus text exposition (format 0.0.4), written by hand for every utility's /metrics. The
// format is small and stable, and prom-client was measured in the supervisor: its registry and the
// default collectors cost more resident memory than the pod's 60 MB bar leaves (bench/RESULTS.md,
// section metrics). The conventions prom-client would enforce are enforced here instead:
//   - every name is `luxops_<utility>_...` or a standard `process_*` name (one prefix per fleet);
//   - counters end in `_total`, units are base units in the name (`_seconds`, `_bytes`, `_tokens`);
//   - label values are escaped, NaN and infinities are written as the format spells them;
//   - one `# HELP` / `# TYPE` pair per family, never two families with one name.

/** Label name -> value. Values are escaped on output; names must be valid label names. */
export type Labels = Readonly<Record<string, string>>;

/** One sample of a family. */
export interface Sample {
  readonly labels?: Labels;
  readonly value: number | bigint;
}

/** The Content-Type of a /metrics answer. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** The prefixes a luxops process may export. */
const ALLOWED_PREFIX = /^(luxops_[a-z0-9]+_|luxops_build_info$|process_)/;

/** A label value escaped per the exposition format (backslash, double quote, newline). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as the format spells it: integers and bigints exactly, NaN, +Inf, -Inf. */
export function formatValue(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabels(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)}`);
    return `${k}="${escapeLabelValue(labels[k]!)}"`;
  }).join(',')}}`;
}

/** Cumulative histogram state (bucket upper bounds in base units, e.g. seconds). */
export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
}

/** Builds one /metrics document; families are written in the order they are added. */
export class MetricsText {
  private readonly lines: string[] = [];
  private readonly names = new Set<string>();

  private header(name: string, type: 'gauge' | 'counter' | 'histogram', help: string): void {
    // programming errors, caught by the tests that render every family
    if (!METRIC_NAME.test(name) || !ALLOWED_PREFIX.test(name)) throw new Error(`metric name ${name} breaks the luxops_/process_ naming`);
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    if (type !== 'counter' && name.endsWith('_total')) throw new Error(`${type} ${name} must not end in _total`);
    if (this.names.has(name)) throw new Error(`metric family ${name} written twice`);
    this.names.add(name);
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
  }

  private samples(name: string, samples: number | bigint | readonly Sample[]): void {
    const list = typeof samples === 'object' ? samples : [{ value: samples }];
    for (const s of list) this.lines.push(`${name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }

  /** A gauge family: one value, or labelled samples (an empty list writes only the header). */
  gauge(name: string, help: string, samples: number | bigint | readonly Sample[]): this {
    this.header(name, 'gauge', help);
    this.samples(name, samples);
    return this;
  }

  /** A counter family (name ends in _total). */
  counter(name: string, help: string, samples: number | bigint | readonly Sample[]): this {
    this.header(name, 'counter', help);
    this.samples(name, samples);
    return this;
  }

  /** A histogram family: one series per entry, each with its own labels. */
  histogram(name: string, help: string, series: ReadonlyArray<{ labels?: Labels; h: Histogram }>): this {
    this.header(name, 'histogram', help);
    for (const { labels, h } of series) {
      h.buckets.forEach((b, i) => this.lines.push(`${name}_bucket${formatLabels({ ...labels, le: formatValue(b) })} ${h.counts[i]}`));
      this.lines.push(`${name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${h.count}`);
      this.lines.push(`${name}_sum${formatLabels(labels)} ${formatValue(h.sum)}`);
      this.lines.push(`${name}_count${formatLabels(labels)} ${h.count}`);
    }
    return this;
  }

  /** The document, newline-terminated. */
  text(): string {
    return this.lines.length === 0 ? '' : this.lines.join('\n') + '\n';
  }
}
