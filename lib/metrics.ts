// Prometheus text exposition format 0.0.4, without a client library: the one owner of the format
// for the webhook, the controller and the agent sidecar.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

export type Labels = Record<string, string>;

/** Content-Type of a /metrics answer. */
export const exposition = 'text/plain; version=0.0.4; charset=utf-8';

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `a="x",b="y"`, names sorted, values escaped; an invalid label name is a programming error. */
export function labelText(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => {
      if (!labelName.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${k}`);
      return `${k}="${escapeLabel(v)}"`;
    })
    .join(',');
}

/** A sample value: integers as such, NaN and infinities as Prometheus spells them. */
export function valueText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export interface Sample {
  labels?: Labels;
  value: number;
  /** Appended to the family name: `_bucket`, `_sum`, `_count` of a histogram. */
  suffix?: string;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'untyped';
  samples: Sample[];
}

/** One metric family: HELP, TYPE, then its samples. */
export function renderFamily(family: Family): string {
  if (!metricName.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const s of family.samples) {
    const labels = s.labels ? labelText(s.labels) : '';
    lines.push(`${family.name}${s.suffix ?? ''}${labels ? `{${labels}}` : ''} ${valueText(s.value)}`);
  }
  return lines.join('\n');
}

/** A whole scrape: families in order, newline-terminated as the format requires. */
export const renderFamilies = (families: Family[]): string => families.map(renderFamily).join('\n') + '\n';

/** A counter kept in memory, by label set. */
export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelText(labels);
    const entry = this.values.get(k) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(k, entry);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  family(): Family {
    return { name: this.name, help: this.help, type: 'counter', samples: [...this.values.values()] };
  }
  render(): string {
    return renderFamily(this.family());
  }
}

/** A gauge kept in memory, by label set. */
export class Gauge {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Render a 0 sample before anything was set (for an unlabelled gauge). */
    readonly initial?: number,
  ) {
    if (initial !== undefined) this.values.set('', { labels: {}, value: initial });
  }
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelText(labels), { labels, value });
  }
  add(by: number, labels: Labels = {}): void {
    this.set(this.get(labels) + by, labels);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  family(): Family {
    return { name: this.name, help: this.help, type: 'gauge', samples: [...this.values.values()] };
  }
  render(): string {
    return renderFamily(this.family());
  }
}

/** A histogram with fixed buckets, by label set. */
export class Histogram {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = labelText(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((le, i) => {
      if (value <= le) s.counts[i] = (s.counts[i] ?? 0) + 1;
    });
    s.sum += value;
    s.count += 1;
  }
  family(): Family {
    const samples: Sample[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) =>
        samples.push({ suffix: '_bucket', labels: { ...s.labels, le: String(le) }, value: s.counts[i] ?? 0 }),
      );
      samples.push({ suffix: '_bucket', labels: { ...s.labels, le: '+Inf' }, value: s.count });
      samples.push({ suffix: '_sum', labels: s.labels, value: s.sum });
      samples.push({ suffix: '_count', labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', samples };
  }
  render(): string {
    return renderFamily(this.family());
  }
}
