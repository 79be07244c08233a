import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, labelText, renderFamilies } from './metrics.js';

// What Prometheus' text parser (format 0.0.4) needs: HELP/TYPE lines, escaped label values,
// one sample a line, a trailing newline.

describe('Prometheus text exposition', () => {
  it('escapes backslashes, quotes and newlines in label values and sorts label names', () => {
    expect(labelText({ z: 'a"b', a: 'c\\d\ne' })).toBe('a="c\\\\d\\ne",z="a\\"b"');
  });

  it('refuses label and metric names Prometheus would reject', () => {
    expect(() => labelText({ 'bad-name': 'x' })).toThrow(/invalid label name/);
    expect(() => labelText({ __reserved: 'x' })).toThrow(/invalid label name/);
    expect(() => new Counter('bad name', 'h').render()).toThrow(/invalid metric name/);
  });

  it('renders counters, gauges and histograms line by line, newline-terminated', () => {
    const c = new Counter('jobs_total', 'Jobs.\nSecond line');
    c.inc({ status: 'ok' });
    c.inc({ status: 'ok' }, 2);
    c.inc({ status: 'failed' });
    const g = new Gauge('in_flight', 'In flight.', 0);
    const h = new Histogram('duration_seconds', 'Duration.', [0.5, 1]);
    h.observe({ route: 'r' }, 0.7);
    h.observe({ route: 'r' }, 3);
    const text = renderFamilies([c.family(), g.family(), h.family()]);
    expect(text).toBe(
      [
        '# HELP jobs_total Jobs.\\nSecond line',
        '# TYPE jobs_total counter',
        'jobs_total{status="ok"} 3',
        'jobs_total{status="failed"} 1',
        '# HELP in_flight In flight.',
        '# TYPE in_flight gauge',
        'in_flight 0',
        '# HELP duration_seconds Duration.',
        '# TYPE duration_seconds histogram',
        'duration_seconds_bucket{le="0.5",route="r"} 0',
        'duration_seconds_bucket{le="1",route="r"} 1',
        'duration_seconds_bucket{le="+Inf",route="r"} 2',
        'duration_seconds_sum{route="r"} 3.7',
        'duration_seconds_count{route="r"} 2',
        '',
      ].join('\n'),
    );
  });

  it('writes NaN and infinities as Prometheus spells them', () => {
    const g = new Gauge('g', 'G.');
    g.set(NaN, { a: '1' });
    g.set(Infinity, { a: '2' });
    g.set(-Infinity, { a: '3' });
    expect(g.render().split('\n').slice(2)).toEqual(['g{a="1"} NaN', 'g{a="2"} +Inf', 'g{a="3"} -Inf']);
  });
});
