import { describe, expect, it } from 'vitest';
import { observeRestore } from './restore.js';

// What `kubectl medusa restore --wait` shows before the stop: a staged job stages, a job that opts
// out (--no-staging) goes straight to the stop.
const job = (annotations?: Record<string, string>) => ({
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaRestoreJob',
  metadata: { name: 'r1', namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { backup: 'b1', cassandraDatacenter: 'dc1' },
  status: { restoreKey: 'k', startTime: '2026-12-07T10:00:00Z', restorePrepared: true },
});

describe('the phase of a restore before the stop', () => {
  it('is Staging for a staged job (the default)', () => {
    expect(observeRestore(job()).phase).toBe('Staging');
  });

  it('is Stopping datacenter, never Staging, for a job that opts out', () => {
    expect(observeRestore(job({ 'medusa.k8ssandra.io/staged-restore': 'false' })).phase).toBe(
      'Stopping datacenter',
    );
  });
});
