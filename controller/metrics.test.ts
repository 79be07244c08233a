import { describe, expect, it } from 'vitest';
import type { MedusaObject } from '../lib/medusa-api.js';
import { renderFamilies } from '../lib/metrics.js';
import { controllerFamilies, jobOutcome } from './metrics.js';

const job = (name: string, dc: string, status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  ({
    metadata: { name, namespace: 'ns' },
    spec: { cassandraDatacenter: dc, ...spec },
    status,
  }) as MedusaObject;

const lines = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

describe('controller metrics from the API objects', () => {
  it('names the outcome of a job as the controller writes it', () => {
    expect(jobOutcome(job('a', 'dc1', {}), 'backup')).toBe('running');
    expect(jobOutcome(job('a', 'dc1', { finishTime: 'x', finished: ['p0'] }), 'backup')).toBe('succeeded');
    expect(jobOutcome(job('a', 'dc1', { finishTime: 'x', finished: ['p0'], failed: ['p1'] }), 'backup')).toBe(
      'failed',
    );
    expect(jobOutcome(job('a', 'dc1', { finishTime: 'x', failed: ['datacenter'] }), 'backup')).toBe('failed');
    expect(jobOutcome(job('a', 'dc1', { finishTime: 'x', finished: [] }), 'backup')).toBe('failed');
    expect(jobOutcome(job('r', 'dc1', { finishTime: 'x', message: 'refused' }), 'restore')).toBe('failed');
    expect(jobOutcome(job('r', 'dc1', { finishTime: 'x', finished: ['p0'] }), 'restore')).toBe('succeeded');
  });

  it('gives per datacenter the last success, the last duration, counts and sizes an alert uses', () => {
    const text = renderFamilies(
      controllerFamilies({
        backupJobs: [
          job('good', 'dc1', {
            startTime: '2026-01-01T00:00:00Z',
            finishTime: '2026-01-01T00:02:00Z',
            finished: ['p0'],
          }),
          job('bad', 'dc1', {
            startTime: '2026-01-02T00:00:00Z',
            finishTime: '2026-01-02T00:00:30Z',
            failed: ['p0'],
          }),
          job('now', 'dc1', { startTime: '2026-01-03T00:00:00Z' }),
          job('never', 'dc2', {
            startTime: '2026-01-02T00:00:00Z',
            finishTime: '2026-01-02T00:00:05Z',
            failed: ['datacenter'],
          }),
          job('plan', 'dc3', { finishTime: '2026-01-02T00:00:05Z', finished: ['p0'] }, { dryRun: true }),
        ],
        backups: [
          {
            metadata: { name: 'good', namespace: 'ns' },
            spec: { cassandraDatacenter: 'dc1' },
            status: { totalSize: '1.50 KB', status: 'SUCCESS' },
          },
          {
            metadata: { name: 'odd', namespace: 'ns' },
            spec: { cassandraDatacenter: 'dc1' },
            status: { totalSize: 'lots' },
          },
        ],
        restoreJobs: [
          job('r1', 'dc1', { finishTime: '2026-01-02T00:00:05Z', message: 'refused before stopping dc1' }),
        ],
      }),
    );
    expect(lines(text)).toEqual([
      'medusa_backups_total{datacenter="dc1",namespace="ns",status="succeeded"} 1',
      'medusa_backups_total{datacenter="dc1",namespace="ns",status="failed"} 1',
      'medusa_backups_total{datacenter="dc1",namespace="ns",status="running"} 1',
      'medusa_backups_total{datacenter="dc2",namespace="ns",status="failed"} 1',
      `medusa_backup_last_success_timestamp_seconds{datacenter="dc1",namespace="ns"} ${Date.parse('2026-01-01T00:02:00Z') / 1000}`,
      'medusa_backup_last_success_timestamp_seconds{datacenter="dc2",namespace="ns"} 0',
      'medusa_backup_duration_seconds{datacenter="dc1",namespace="ns"} 30',
      'medusa_backup_duration_seconds{datacenter="dc2",namespace="ns"} 5',
      'medusa_backup_last_failed{datacenter="dc1",namespace="ns"} 1',
      'medusa_backup_last_failed{datacenter="dc2",namespace="ns"} 1',
      'medusa_backup_bytes{backup="good",datacenter="dc1",namespace="ns",status="SUCCESS"} 1536',
      'medusa_restores_total{datacenter="dc1",namespace="ns",status="failed"} 1',
    ]);
  });
});
