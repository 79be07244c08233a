import { describe, expect, it } from 'vitest';
import { configurationAnnotation } from '../../crds/index.js';
import type { AdmissionRequest } from '../admission/review.js';
import { memoryClusterReader, resources } from '../cluster.js';
import { validateRequest } from './index.js';

// The former disagreements, at admission: what the webhook used to admit and the runtimes refused.

const namespace = 'ns';
const now = new Date('2026-11-22T10:00:00Z');
const reader = memoryClusterReader([
  {
    resource: resources.datacenter,
    object: {
      metadata: { name: 'dc1', namespace, annotations: { [configurationAnnotation]: 'minio' } },
      spec: { clusterName: 'demo', size: 3, racks: [{ name: 'r1' }] },
    },
  },
  { resource: resources.backup, object: { metadata: { name: 'nightly-1', namespace } } },
  {
    resource: resources.backupJob,
    object: {
      metadata: { name: 'plan', namespace },
      spec: { cassandraDatacenter: 'dc1', dryRun: true },
      status: { finishTime: '2026-11-22T09:00:00Z' },
    },
  },
]);

const admit = (kind: string, name: string, spec: Record<string, unknown>) =>
  validateRequest(
    {
      uid: 'u',
      kind: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', kind },
      resource: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', resource: kind.toLowerCase() },
      name,
      namespace,
      operation: 'CREATE',
      object: { apiVersion: 'medusa.k8ssandra.io/v1alpha1', kind, metadata: { name, namespace }, spec },
    } as AdmissionRequest,
    reader,
    now,
  );

const job = (name: string, extra: Record<string, unknown> = {}) =>
  admit('MedusaBackupJob', name, { cassandraDatacenter: 'dc1', ...extra });
const schedule = (name: string, cronSchedule: string) =>
  admit('MedusaBackupSchedule', name, { cronSchedule, backupSpec: { cassandraDatacenter: 'dc1' } });

describe('admission of names and schedules the runtimes accept', () => {
  it('refuses the job schema-nightly on metadata.name, as the agent refuses the backup name', async () => {
    const outcome = await job('schema-nightly');
    expect(outcome.allowed).toBe(false);
    expect(!outcome.allowed && outcome.message).toBe(
      `MedusaBackupJob "schema-nightly" is invalid: metadata.name: backup name "schema-nightly" contains 'schema', which cassandra-medusa's index lookup would misread`,
    );
  });

  it('refuses a job name longer than 63 characters', async () => {
    const outcome = await job('a'.repeat(64));
    expect(!outcome.allowed && outcome.causes?.[0]).toMatchObject({ field: 'metadata.name' });
  });

  it('refuses a job name sharing a prefix with a backup; a dryRun job neither collides nor is collided with', async () => {
    const outcome = await job('nightly-10');
    expect(!outcome.allowed && outcome.causes?.[0]?.message).toMatch(
      /existing backup "nightly-1" share a prefix/,
    );
    expect((await job('nightly-10', { dryRun: true })).allowed).toBe(true);
    expect((await job('plan-2')).allowed).toBe(true);
  });

  it('admits @every 1h (the controller schedules it) and says when it runs next', async () => {
    const outcome = await schedule('hourly', '@every 1h');
    expect(outcome.allowed).toBe(true);
    expect(outcome.allowed && outcome.warnings?.[0]).toBe(
      'schedule "@every 1h" runs next at 2026-11-22T11:00:00.000Z (time zone UTC)',
    );
  });

  it("refuses a schedule whose jobs' names the agent would refuse", async () => {
    const outcome = await schedule('schema-backups', '@daily');
    expect(!outcome.allowed && outcome.causes?.[0]).toMatchObject({ field: 'metadata.name' });
    expect(!outcome.allowed && outcome.causes?.[0]?.message).toMatch(
      /<schedule>-<unix seconds>.*contains 'schema'/,
    );
  });

  it('refuses a cron the controller cannot run on spec.cronSchedule', async () => {
    const outcome = await schedule('nightly', '0 0 * * 7');
    expect(!outcome.allowed && outcome.causes).toEqual([
      { field: 'spec.cronSchedule', message: '"0 0 * * 7": day-of-week 7 is outside 0-6' },
    ]);
  });
});
