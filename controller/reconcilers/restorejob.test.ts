import { describe, expect, it } from 'vitest';
import type { MedusaObject } from '../../lib/medusa-api.js';
import { filterCheck, restoreConfiguration, restoreContainerEnv } from './restorejob.js';

const restoreMapping = {
  in_place: true,
  host_map: { 'dc1-0': { source: ['10.0.0.1'], seed: true }, 'dc1-1': { source: ['10.0.0.2'], seed: false } },
};
const job = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): MedusaObject => ({
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaRestoreJob',
  metadata: { name: 'r1', namespace: 'ns' },
  spec: { backup: 'b1', cassandraDatacenter: 'dc1', ...spec },
  status: {
    restoreKey: 'key-1',
    restorePrepared: true,
    restoreMapping,
    startTime: '2026-12-01T10:00:00Z',
    inProgress: ['dc1-0', 'dc1-1'],
    ...status,
  },
});
const timings = { timings: { agentStartTimeoutMs: 60_000, agentStaleAfterMs: 30_000, pollMs: 1000 } };
const at = (seconds: number) => new Date(Date.parse('2026-12-01T10:00:00Z') + seconds * 1000);

describe('the restore the controller configures', () => {
  it('passes the filter on to the init container, normalised', () => {
    const config = restoreConfiguration(job({ filter: { include: ['app.*'], exclude: ['app.sessions'] } }));
    expect(config).toEqual({
      key: 'key-1',
      backup: 'b1',
      job: 'r1',
      mapping: restoreMapping,
      filter: { include: ['app'], exclude: ['app.sessions'] },
    });
    const env = Object.fromEntries(restoreContainerEnv([], config).map((e) => [e.name, e.value]));
    expect(JSON.parse(String(env.RESTORE_FILTER))).toEqual({ include: ['app'], exclude: ['app.sessions'] });
    expect(JSON.parse(String(env.RESTORE_MAPPING))).toEqual(restoreMapping);
  });

  it('sets no filter for an unfiltered restore, and drops the one a previous restore left', () => {
    const previous = [
      { name: 'MEDUSA_MODE', value: 'RESTORE' },
      { name: 'RESTORE_FILTER', value: '{"include":["old"]}' },
      { name: 'RESTORE_KEY', value: 'old-key' },
    ];
    const env = restoreContainerEnv(previous, restoreConfiguration(job({})));
    expect(env.map((e) => e.name)).toEqual([
      'MEDUSA_MODE',
      'RESTORE_KEY',
      'BACKUP_NAME',
      'RESTORE_MAPPING',
      'RESTORE_JOB',
    ]);
    expect(env.find((e) => e.name === 'RESTORE_KEY')?.value).toBe('key-1');
    expect(restoreContainerEnv(previous, undefined)).toEqual([{ name: 'MEDUSA_MODE', value: 'RESTORE' }]);
  });

  it('refuses an invalid filter rather than restoring everything', () => {
    expect(() => restoreConfiguration(job({ filter: { include: ['no such'] } }))).toThrow(
      /^spec\.filter\.include\[0\]: /,
    );
  });
});

describe('filterCheck', () => {
  const withReports = (progress: Record<string, unknown>[]) =>
    job({ filter: { include: ['app'] } }, { progress });
  const ok = (node: string) => ({ node, phase: 'Succeeded', lastUpdateTime: '2026-12-01T10:00:05Z' });

  it('waits for every sidecar, and passes when all agree', () => {
    expect(filterCheck(timings, withReports([]), at(5))).toBe('waiting');
    expect(filterCheck(timings, withReports([ok('dc1-0')]), at(5))).toBe('waiting');
    expect(filterCheck(timings, withReports([ok('dc1-0'), ok('dc1-1')]), at(5))).toBe('passed');
  });

  it('refuses with each reason once, naming the nodes', () => {
    const reason = 'the filter names what is not in backup b1: "typo"';
    const check = filterCheck(
      timings,
      withReports([
        { node: 'dc1-0', phase: 'Failed', lastError: reason },
        { node: 'dc1-1', phase: 'Failed', lastError: reason },
      ]),
      at(5),
    );
    expect(check).toMatchObject({ message: `refused before stopping dc1: ${reason} (dc1-0, dc1-1)` });
  });

  it('refuses when a sidecar never answers', () => {
    const check = filterCheck(timings, withReports([ok('dc1-0')]), at(61));
    expect(check).toMatchObject({
      message:
        'refused before stopping dc1: the medusa sidecar of dc1-1 never checked the filter: is the pod running? (dc1-1)',
    });
  });
});
