import * as k8s from '@kubernetes/client-node';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAnnotation } from '../../controller/reconcilers/restore-refresh-secrets.js';
import { createObject, findObject, type MedusaObject } from '../../lib/medusa-api.js';
import { customPath, kubeRequest } from '../../lib/kube-request.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { api } from '../harness/cass-operator/datacenter.js';
import { adminConfig } from '../support/kube.js';
import { minioClient } from '../support/plugin.js';
import { medusaConfiguration, startStack, type Stack } from '../support/stack.js';

// Issue 20: a restore into a CassandraDatacenter, end to end (webhook, controller, the harness's
// kubelet and cass-operator stand-ins, a Cassandra node on 127.0.0.190, MinIO): once it succeeded,
// the datacenter's user and superuser secrets carry k8ssandra.io/refresh, as k8ssandra-operator
// leaves them, so cass-operator applies them again over the restored system_auth.

const namespace = `cassdcsec-${process.pid}`;
const bucket = `cassdcsec-${process.pid}`;
const cluster = new CassandraCluster({ name: 'cassdcsec', hosts: [190] });
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apiVersion = 'medusa.k8ssandra.io/v1alpha1';
let stack: Stack;

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

type Condition = { type: string; status: string; reason: string; message: string };
const condition = (o: MedusaObject | undefined, type: string) =>
  (o?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

const finished = (plural: string, name: string, timeoutMs: number) =>
  waitFor(
    `${plural} ${name} to finish`,
    async () => {
      const o = await findObject(kc, plural, namespace, name);
      return o?.status?.finishTime ? o : undefined;
    },
    timeoutMs,
  );

const pod = 'cassdcsec-dc1-rack1-sts-0';

beforeAll(async () => {
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
  await minioClient().send(new CreateBucketCommand({ Bucket: bucket }));
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'minio', bucket },
    datacenter: 'dc1',
    webhookPort: 18590,
    datacenterObjects: false,
    cassOperator: true,
  });
  await createObject(
    kc,
    'medusaconfigurations',
    namespace,
    medusaConfiguration(namespace, { kind: 'minio', bucket }),
  );
  for (const name of ['cassdcsec-superuser', 'app-user']) {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name }, stringData: { username: name, password: 'unchanged' } },
    });
  }
  await kubeRequest(kc, 'POST', customPath(api.group, api.version, api.plural, namespace), {
    apiVersion: `${api.group}/${api.version}`,
    kind: 'CassandraDatacenter',
    metadata: {
      name: 'dc1',
      annotations: {
        'medusa.k8ssandra.io/configuration': 'medusa',
        'medusa.k8ssandra.io/prefix': 'cassdcsec',
        // The bed's nodes run Jolokia, not cass-operator's management API.
        'medusa.k8ssandra.io/cassandra-api': 'jolokia',
      },
    },
    spec: {
      clusterName: 'cassdcsec',
      serverType: 'cassandra',
      serverVersion: '5.0.4',
      size: 1,
      // The rack the bed's nodes declare (cassandra-rackdc.properties).
      racks: [{ name: 'rack1' }],
      users: [{ secretName: 'app-user', superuser: false }],
      storageConfig: {
        cassandraDataVolumeClaimSpec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      },
      podTemplateSpec: { spec: { containers: [] } },
    },
  });
  await waitFor(
    `${pod} Ready`,
    async () => {
      const p = await core.readNamespacedPod({ name: pod, namespace }).catch(() => undefined);
      return p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    },
    480_000,
  );
}, 900_000);

afterAll(async () => {
  await stack?.stop();
  await cluster.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 300_000);

describe('a restore into a CassandraDatacenter', () => {
  it('marks its user and superuser secrets with k8ssandra.io/refresh once it succeeded', async () => {
    await createObject(kc, 'medusabackupjobs', namespace, {
      apiVersion,
      kind: 'MedusaBackupJob',
      metadata: { name: 'b1' },
      spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
    });
    const backup = await finished('medusabackupjobs', 'b1', 300_000);
    expect(condition(backup, 'Complete')?.status, JSON.stringify(backup.status?.conditions)).toBe('True');
    for (const name of ['cassdcsec-superuser', 'app-user']) {
      const s = await core.readNamespacedSecret({ name, namespace });
      expect(s.metadata?.annotations?.[refreshAnnotation]).toBeUndefined();
    }

    await createObject(kc, 'medusarestorejobs', namespace, {
      apiVersion,
      kind: 'MedusaRestoreJob',
      metadata: { name: 'r1' },
      spec: { cassandraDatacenter: 'dc1', backup: 'b1' },
    });
    const restore = await finished('medusarestorejobs', 'r1', 600_000);
    expect(restore.status?.message, JSON.stringify(restore.status)).toBeUndefined();
    expect(condition(restore, 'Complete')?.status).toBe('True');
    for (const name of ['cassdcsec-superuser', 'app-user']) {
      const s = await core.readNamespacedSecret({ name, namespace });
      expect(s.metadata?.annotations?.[refreshAnnotation]).toBe(restore.status?.datacenterRestarted);
      expect(Buffer.from(s.data?.password ?? '', 'base64').toString()).toBe('unchanged');
    }
    const events = (await core.listNamespacedEvent({ namespace })).items.filter(
      (e) => e.involvedObject.name === 'r1' && e.reason === 'SecretsRefreshed',
    );
    expect(events[0]?.message).toContain('app-user, cassdcsec-superuser');
  }, 900_000);
});
