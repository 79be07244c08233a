import { describe, expect, it } from 'vitest';
import { invalidExamples, validExamples } from './examples/index.js';
import { validators } from './index.js';

describe('validate<Kind> on the documented examples', () => {
  it.each(validExamples.map((e) => [e.title, e] as const))(
    'accepts %s and applies the CRD defaults',
    (_, example) => {
      const result = validators[example.manifest.kind](example.manifest);
      if (!result.ok) expect.fail(JSON.stringify(result.errors));
      expect(result.value.spec).toEqual(example.expectedSpec);
    },
  );

  it.each(invalidExamples.map((e) => [e.title, e] as const))('refuses %s, naming the field', (_, example) => {
    const result = validators[example.manifest.kind](example.manifest);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = result.errors.find((e) => e.path === example.field);
    expect(error, `errors: ${JSON.stringify(result.errors)}`).toBeDefined();
  });
});

describe('unknown fields', () => {
  const job = {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaBackupJob',
    metadata: { name: 'j', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { cassandraDatacenter: 'dc1', dryrun: true },
  };

  it('are refused by default, as kubectl’s strict field validation refuses them', () => {
    expect(validators.MedusaBackupJob(job)).toEqual({
      ok: false,
      errors: [{ path: 'spec.dryrun', message: 'unknown field "spec.dryrun"' }],
    });
  });

  it('are dropped on request, as the apiserver prunes them, while metadata stays whole', () => {
    const result = validators.MedusaBackupJob(job, { unknownFields: 'ignore' });
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.value.spec).toEqual({ cassandraDatacenter: 'dc1', backupType: 'differential' });
    expect(result.value.metadata).toMatchObject({ uid: 'u-1' });
  });

  it('are found inside lists', () => {
    const result = validators.MedusaRestoreJob({
      apiVersion: 'medusa.k8ssandra.io/v1alpha1',
      kind: 'MedusaRestoreJob',
      metadata: { name: 'r' },
      spec: {
        cassandraDatacenter: 'dc1',
        backup: 'b',
        hostMapping: [{ target: 't', source: 's', seed: true }],
      },
    });
    expect(result.ok || result.errors.map((e) => e.path)).toEqual(['spec.hostMapping[0].seed']);
  });
});
