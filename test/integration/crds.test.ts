import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidExamples, validExamples, type Manifest } from '../../crds/examples/index.js';
import {
  apiVersion,
  configurationAnnotation,
  convertK8ssandraClusterMedusa,
  group,
  kinds,
  plurals,
  prefixAnnotation,
  validators,
  version,
  type MedusaKind,
} from '../../crds/index.js';
import { adminConfig, applyCrds, kubectl } from '../support/kube.js';

// The medusa.k8ssandra.io CRDs, as generated in crds/all.yaml, against the test bed's kube-apiserver.
const kc = adminConfig();
const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

const namespace = `medusa-crds-${process.pid}`;

type Stored = { spec?: Record<string, unknown>; status?: Record<string, unknown> };

function create(manifest: Manifest): Promise<Stored> {
  return custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: plurals[manifest.kind],
    body: manifest,
  }) as Promise<Stored>;
}

function patch(kind: MedusaKind, name: string, body: object, subresource?: 'status'): Promise<Stored> {
  const params = { group, version, namespace, plural: plurals[kind], name, body };
  const call =
    subresource === 'status'
      ? custom.patchNamespacedCustomObjectStatus(params, mergePatch)
      : custom.patchNamespacedCustomObject(params, mergePatch);
  return call as Promise<Stored>;
}

/** The apiserver's refusal message, or a failure when the call succeeded. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof k8s.ApiException) {
      expect(error.code).toBe(422);
      const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
      return (JSON.parse(body) as { message: string }).message;
    }
    throw error;
  }
  return expect.fail('the apiserver accepted an invalid object');
}

describe('medusa.k8ssandra.io CRDs on kube-apiserver', () => {
  beforeAll(async () => {
    // Idempotent install: other test files apply the same bundle.
    await applyCrds();
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('installs all six CRDs and each becomes Established', async () => {
    for (const kind of kinds) {
      const name = `${kind.plural}.${group}`;
      await expect
        .poll(
          async () => {
            const crd = await extensions.readCustomResourceDefinition({ name });
            return Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c.status]));
          },
          { timeout: 30_000, interval: 250 },
        )
        .toMatchObject({ Established: 'True', NamesAccepted: 'True' });
      const crd = await extensions.readCustomResourceDefinition({ name });
      expect(crd.status?.conditions?.map((c) => c.type)).not.toContain('NonStructuralSchema');
      expect(crd.spec.versions[0]?.subresources?.status).toEqual({});
    }
  });

  describe('accepts the documented examples and stores them with defaults applied', () => {
    it.each(validExamples.map((e) => [e.title, e] as const))('%s', async (_, example) => {
      const created = await create(example.manifest);
      expect(created.spec).toEqual(example.expectedSpec);
      const read = (await custom.getNamespacedCustomObject({
        group,
        version,
        namespace,
        plural: plurals[example.manifest.kind],
        name: example.manifest.metadata.name,
      })) as Stored;
      expect(read.spec).toEqual(example.expectedSpec);
      // The typed schemas default exactly as the apiserver does.
      const local = validators[example.manifest.kind](example.manifest);
      expect(local.ok && local.value.spec).toEqual(read.spec);
    });
  });

  describe('refuses invalid objects with a message naming the field', () => {
    it.each(invalidExamples.map((e) => [e.title, e] as const))('%s', async (_, example) => {
      const message = await refusal(create(example.manifest));
      expect(message).toContain(example.field);
      expect(message).toContain(example.message);
    });
  });

  it('refuses unknown fields under strict field validation, as kubectl sends it', async () => {
    const manifest: Manifest = {
      apiVersion,
      kind: 'MedusaBackupJob',
      metadata: { name: 'typo' },
      spec: { cassandraDatacenter: 'dc1', dryrun: true },
    };
    const local = validators.MedusaBackupJob(manifest);
    expect(local.ok).toBe(false);
    const strict = custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plurals.MedusaBackupJob,
      body: manifest,
      fieldValidation: 'Strict',
    });
    await expect(strict).rejects.toMatchObject({
      body: expect.stringContaining('unknown field \\"spec.dryrun\\"'),
    });
  });

  it('keeps the specs of jobs, backups and tasks immutable, and schedules editable', async () => {
    const spec = { cassandraDatacenter: 'dc1' };
    const immutables: Manifest[] = [
      { apiVersion, kind: 'MedusaBackupJob', metadata: { name: 'frozen' }, spec },
      { apiVersion, kind: 'MedusaBackup', metadata: { name: 'frozen' }, spec },
      { apiVersion, kind: 'MedusaRestoreJob', metadata: { name: 'frozen' }, spec: { ...spec, backup: 'b1' } },
      { apiVersion, kind: 'MedusaTask', metadata: { name: 'frozen' }, spec: { ...spec, operation: 'sync' } },
    ];
    for (const manifest of immutables) {
      await create(manifest);
      const message = await refusal(patch(manifest.kind, 'frozen', { spec: { cassandraDatacenter: 'dc2' } }));
      expect(message).toContain('spec: Invalid value');
      expect(message).toContain('spec is immutable');
    }
    await create({
      apiVersion,
      kind: 'MedusaBackupSchedule',
      metadata: { name: 'editable' },
      spec: { cronSchedule: '@daily', backupSpec: spec },
    });
    const edited = await patch('MedusaBackupSchedule', 'editable', { spec: { cronSchedule: '0 3 * * *' } });
    expect(edited.spec?.cronSchedule).toBe('0 3 * * *');
  });

  it('writes status only through the status subresource, with progress and conditions', async () => {
    const manifest: Manifest = {
      apiVersion,
      kind: 'MedusaBackupJob',
      metadata: { name: 'with-status' },
      spec: { cassandraDatacenter: 'dc1' },
    };
    const created = await create({ ...manifest, status: { startTime: '2026-01-01T00:00:00Z' } } as Manifest);
    expect(created.status).toBeUndefined();
    const status = {
      startTime: '2026-01-01T00:00:00Z',
      inProgress: ['demo-dc1-default-sts-0'],
      progress: [
        {
          node: 'demo-dc1-default-sts-0',
          phase: 'Running',
          bytesDone: 1024,
          bytesTotal: 4096,
          filesDone: 3,
          filesTotal: 12,
          bytesPerSecond: 512,
          etaSeconds: 6,
        },
      ],
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: 'Uploading',
          message: '1 of 1 nodes uploading',
          lastTransitionTime: '2026-01-01T00:00:01Z',
        },
      ],
    };
    const patched = await patch('MedusaBackupJob', 'with-status', { status }, 'status');
    expect(patched.status).toEqual(status);

    const badPhase = await refusal(
      patch(
        'MedusaBackupJob',
        'with-status',
        { status: { progress: [{ node: 'n0', phase: 'Done' }] } },
        'status',
      ),
    );
    expect(badPhase).toContain('status.progress[0].phase');

    // k8ssandra's schema requires restoreKey as soon as a restore job has a status.
    await create({
      apiVersion,
      kind: 'MedusaRestoreJob',
      metadata: { name: 'needs-key' },
      spec: { cassandraDatacenter: 'dc1', backup: 'b1' },
    });
    const noKey = await refusal(
      patch('MedusaRestoreJob', 'needs-key', { status: { restorePrepared: true } }, 'status'),
    );
    expect(noKey).toContain('status.restoreKey');
  });

  it('accepts the MedusaConfiguration converted from a K8ssandraCluster medusa block', async () => {
    const { configuration, annotations } = convertK8ssandraClusterMedusa({
      metadata: { name: 'demo', namespace },
      spec: {
        medusa: {
          storageProperties: {
            storageProvider: 's3_compatible',
            bucketName: 'k8ssandra-medusa',
            storageSecretRef: { name: 'medusa-bucket-key' },
            host: 'minio-service.minio.svc.cluster.local',
            port: 9000,
            secure: false,
          },
          containerImage: { tag: '0.29.1' },
          readinessProbe: { initialDelaySeconds: 30 },
          purgeBackups: false,
        },
      },
    });
    const stored = (await custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plurals.MedusaConfiguration,
      body: configuration,
    })) as Stored;
    expect(stored.spec).toMatchObject({
      storageProperties: { storageProvider: 's3_compatible', host: 'minio-service.minio.svc.cluster.local' },
      cassandraUserSecretRef: { name: 'demo-medusa' },
      purgeBackups: false,
    });
    // A plain StatefulSet opts in with the converted annotations.
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const labels = { app: 'cassandra-demo' };
    await apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: { name: 'demo-dc1', annotations },
        spec: {
          replicas: 0,
          serviceName: 'demo-dc1',
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'cassandra', image: 'cassandra:5.0' }] },
          },
        },
      },
    });
    const sts = await apps.readNamespacedStatefulSet({ namespace, name: 'demo-dc1' });
    expect(sts.metadata?.annotations).toMatchObject({
      [configurationAnnotation]: 'demo-medusa',
      [prefixAnnotation]: 'demo',
    });
  });

  it('prints the k8ssandra columns for medusabackups and medusabackupjobs', async () => {
    await create({
      apiVersion,
      kind: 'MedusaBackup',
      metadata: { name: 'printed' },
      spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
    });
    await patch(
      'MedusaBackup',
      'printed',
      {
        status: {
          startTime: '2026-01-01T00:00:00Z',
          finishTime: '2026-01-01T00:05:00Z',
          totalNodes: 3,
          finishedNodes: 3,
          totalFiles: 120,
          totalSize: '127.67 KB',
          status: 'SUCCESS',
          nodes: [
            {
              host: 'demo-dc1-default-sts-0',
              datacenter: 'dc1',
              rack: 'r1',
              tokens: [-4611686018427387904, 0, 4611686018427387904],
            },
          ],
        },
      },
      'status',
    );
    const backups = (await kubectl('get', 'medusabackups', '-n', namespace, 'printed')).trim().split('\n');
    expect(backups[0]?.split(/\s+/)).toEqual([
      'NAME',
      'STARTED',
      'FINISHED',
      'NODES',
      'FILES',
      'SIZE',
      'COMPLETED',
      'STATUS',
    ]);
    expect(backups[1]).toMatch(/^printed\s+\S+\s+\S+\s+3\s+120\s+127\.67 KB\s+3\s+SUCCESS$/);

    await create({
      apiVersion,
      kind: 'MedusaBackupJob',
      metadata: { name: 'printed' },
      spec: { cassandraDatacenter: 'dc1' },
    });
    const jobs = (await kubectl('get', 'medusabackupjobs', '-n', namespace)).trim().split('\n');
    expect(jobs[0]?.split(/\s+/)).toEqual(['NAME', 'STARTED', 'FINISHED']);
    expect(jobs.some((line) => line.startsWith('printed '))).toBe(true);
  });
});
