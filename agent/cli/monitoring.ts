// cassandra-medusa's `[monitoring] monitoring_provider` (medusa/monitoring/): the one place that
// decides which providers we honour and how a metric is written. `None` sends nothing; `local`
// appends one JSON line per metric to `metrics.json` in the working directory, in Python's
// json.dumps form (medusa/monitoring/local.py); anything else is refused, never ignored.
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { MonitoringSection } from '../config/types.js';
import { UsageError } from './run.js';

/** Medusa's three tags: name, what, backup name (medusa/monitoring/dogstatsd.py asserts three). */
export type MetricTags = readonly [string, string, string];

export interface Monitoring {
  readonly provider: 'None' | 'local';
  /** Medusa's send(tags, value); `float` for durations (timedelta.total_seconds()), ints otherwise. */
  send(tags: MetricTags, value: number, options?: MetricOptions): Promise<void>;
}

/** The file Medusa's LocalMonitoring appends to: `metrics.json`, relative to the working directory. */
export interface MetricOptions {
  float?: boolean;
}

export const localMetricsFile = 'metrics.json';

/** A Python float or int as json.dumps writes it (`1.0`, not `1`, for a float). */
function pythonNumber(value: number, float: boolean): string {
  if (!Number.isFinite(value)) throw new Error(`metric value ${value} is not a finite number`);
  const text = String(value);
  return float && Number.isInteger(value) ? `${text}.0` : text;
}

/** A string as json.dumps writes it (ensure_ascii: non-ASCII as \uXXXX). */
const pythonString = (text: string) =>
  JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** One line of Medusa's metrics.json: `{"seq": 0, "tags": ["a", "b", "c"], "value": 12}`. */
export function localMetricLine(seq: number, tags: MetricTags, value: number, float = false): string {
  return `{"seq": ${seq}, "tags": [${tags.map(pythonString).join(', ')}], "value": ${pythonNumber(value, float)}}`;
}

class LocalMonitoring implements Monitoring {
  readonly provider = 'local' as const;
  // Medusa numbers the metrics of one Monitoring instance (one command run) from 0.
  private seq = 0;

  constructor(private readonly file: string) {}

  async send(tags: MetricTags, value: number, options: MetricOptions = {}): Promise<void> {
    await appendFile(this.file, `${localMetricLine(this.seq, tags, value, options.float)}\n`);
    this.seq++;
  }
}

const noop: Monitoring = { provider: 'None', send: async () => undefined };

/**
 * The monitoring of `[monitoring]`: `None` or `local` (in `cwd`, default the process's). Medusa's
 * `dog-statsd` and any other value are refused with exit 2: we do not send to a statsd agent, and a
 * setting that would be silently dropped is worse than a refusal.
 */
export function monitoringOf(section: MonitoringSection, cwd = process.cwd()): Monitoring {
  const provider = section.monitoringProvider.trim();
  if (provider === 'None') return noop;
  if (provider === 'local') return new LocalMonitoring(resolve(cwd, localMetricsFile));
  throw new UsageError(
    `[monitoring] monitoring_provider: '${provider}' is not supported by medusa-agent ` +
      `(supported: None, local; see docs/agent.md)`,
  );
}
