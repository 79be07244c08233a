import { describe, expect, it } from 'vitest';
import { storageReachable, storageCheckStaleMs } from './storage-reachable.js';

const now = new Date('2026-12-07T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

describe('StorageReachable from the pods checks', () => {
  it('is Unknown when no pod checked recently (a pod gone long ago does not count)', () => {
    const verdict = storageReachable(
      [{ node: 'old-0', reachable: true, lastCheckTime: ago(storageCheckStaleMs + 1000) }],
      'b',
      now,
    );
    expect(verdict.condition).toMatchObject({ status: 'Unknown', reason: 'NotChecked' });
    expect(verdict.lastCheck).toBeUndefined();
  });

  it('is False naming the first pod that failed and its error, with the newest check time', () => {
    const verdict = storageReachable(
      [
        { node: 'dc1-1', reachable: false, error: 'NoSuchBucket', lastCheckTime: ago(5000) },
        { node: 'dc1-0', reachable: true, lastCheckTime: ago(1000) },
        { node: 'dc1-2', reachable: false, error: 'timeout', lastCheckTime: ago(3000) },
      ],
      'b',
      now,
    );
    expect(verdict.condition).toMatchObject({
      status: 'False',
      reason: 'StorageUnreachable',
      message:
        'bucket b not reachable from dc1-1: NoSuchBucket (also from dc1-2); reachable from 1 of 3 pods',
    });
    expect(verdict.lastCheck).toBe(ago(1000));
  });

  it('is True when every recent check listed the bucket', () => {
    const verdict = storageReachable(
      [
        { node: 'dc1-0', reachable: true, lastCheckTime: ago(1000) },
        { node: 'dc1-1', reachable: true, lastCheckTime: ago(2000) },
      ],
      'b',
      now,
    );
    expect(verdict.condition).toMatchObject({
      status: 'True',
      message: 'bucket b listed from 2 pods: dc1-0, dc1-1',
    });
  });
});
