// A few Prometheus metrics in the text exposition format, without a client library.

type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

export class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

export class Gauge {
  private value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  add(by: number): void {
    this.value += by;
  }
  get(): number {
    return this.value;
  }
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.value}`,
    ].join('\n');
  }
}

export class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((le, i) => {
      if (value <= le) s.counts[i] = (s.counts[i] ?? 0) + 1;
    });
    s.sum += value;
    s.count += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.buckets.forEach((le, i) =>
        lines.push(`${this.name}_bucket{${sep}le="${le}"} ${s.counts[i] ?? 0}`),
      );
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export function createWebhookMetrics() {
  const metrics = {
    requests: new Counter(
      'medusa_webhook_admission_requests_total',
      'Admission requests by route, kind, operation and result.',
    ),
    duration: new Histogram(
      'medusa_webhook_admission_duration_seconds',
      'Time to answer an admission request.',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    errors: new Counter(
      'medusa_webhook_errors_total',
      'Requests that could not be decided (bad body, lookup failure, bug).',
    ),
    inFlight: new Gauge('medusa_webhook_requests_in_flight', 'Admission requests being answered.'),
    certificateReloads: new Counter(
      'medusa_webhook_certificate_reloads_total',
      'Serving certificate reloads by result.',
    ),
  };
  return {
    ...metrics,
    render: (): string =>
      Object.values(metrics)
        .map((m) => m.render())
        .join('\n') + '\n',
  };
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
