import * as k8s from '@kubernetes/client-node';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObject, findObject, type MedusaObject } from '../../lib/medusa-api.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { kubeconfigPath } from '../bed/kube.js';
import { runDir } from '../bed/paths.js';
import { minio } from '../bed/stores.js';
import { adminConfig } from '../support/kube.js';
import { minioClient, pluginIn } from '../support/plugin.js';
import { findLeaks } from '../support/secrets.js';
import { boundStatefulSet, medusaConfiguration, startStack, type Stack } from '../support/stack.js';

// Issue 20, the MedusaConfiguration's conditions where the user looks: a bucket secret missing from
// the datacenter's namespace named at admission and in the waiting backup job. The whole stack:
// webhook, controller, and the harness running a 1-node datacenter on 127.0.0.189.

const namespace = `confcond-${process.pid}`;
const bucket = `confcond-${process.pid}`;
const cluster = new CassandraCluster({ name: 'confcond', hosts: [189] });
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apiVersion = 'medusa.k8ssandra.io/v1alpha1';
const credentials = `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`;
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

const kubectl = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfigPath, '-n', namespace, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

const eventsOf = async (name: string) =>
  (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.involvedObject.name === name);

type Condition = { type: string; status: string; reason: string; message: string };
const condition = (o: MedusaObject | undefined, type: string) =>
  (o?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

beforeAll(async () => {
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
  await minioClient().send(new CreateBucketCommand({ Bucket: bucket }));
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'minio', bucket },
    datacenter: 'dc1',
    webhookPort: 18589,
    datacenterObjects: false,
  });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await cluster.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 300_000);

describe('a bucket secret missing from the datacenter namespace', () => {
  it('is named at admission and in the waiting backup job; the job runs once the secret exists', async () => {
    // The configuration names a secret that exists elsewhere (a configuration copied from the
    // K8ssandraCluster's namespace) but not here.
    const configuration = medusaConfiguration(namespace, { kind: 'minio', bucket });
    configuration.spec.storageProperties.storageSecretRef = { name: 'shared-key' };
    await createObject(kc, 'medusaconfigurations', namespace, configuration);

    const folder = join(runDir, 'confcond', namespace);
    mkdirSync(folder, { recursive: true });
    const sts = boundStatefulSet('dc1', 1, 'confcond');
    // The sidecar checks storage every 5 minutes; here every 2 s (env kept by the injection).
    sts.spec!.template.spec!.containers.push({
      name: 'medusa',
      image: 'medusa',
      env: [{ name: 'MEDUSA_STORAGE_CHECK_SECONDS', value: '2' }],
    });
    writeFileSync(join(folder, 'dc1.json'), JSON.stringify(sts));
    const applied = await kubectl('apply', '-f', join(folder, 'dc1.json'));
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(
      `Warning: medusa.k8ssandra.io/configuration: secret shared-key not found in namespace ${namespace} ` +
        `(storageProperties.storageSecretRef.name of MedusaConfiguration "medusa"): the medusa containers mount it`,
    );

    await createObject(kc, 'medusabackupjobs', namespace, {
      apiVersion,
      kind: 'MedusaBackupJob',
      metadata: { name: 'before-secret' },
      spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
    });
    const waiting = await waitFor(
      'the job to wait naming the secret',
      async () => {
        const job = await findObject(kc, 'medusabackupjobs', namespace, 'before-secret');
        return condition(job, 'Progressing')?.message.includes('secret shared-key') ? job : undefined;
      },
      60_000,
    );
    expect(condition(waiting, 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'WaitingForDatacenter',
      message: expect.stringContaining(
        `pods of datacenter dc1 not Ready yet: dc1-0; secret shared-key not found in namespace ${namespace}`,
      ),
    });
    const waited = (await eventsOf('before-secret')).filter((e) => e.reason === 'WaitingForDatacenter');
    expect(waited.map((e) => e.message).join('\n')).toContain(
      `secret shared-key not found in namespace ${namespace}`,
    );
    const config = await findObject(kc, 'medusaconfigurations', namespace, 'medusa');
    expect(condition(config, 'SecretAvailable')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });

    // The secret arrives (GitOps, a secret operator): the pod mounts it, starts, and the job runs.
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'shared-key' }, stringData: { credentials } },
    });
    const done = await waitFor(
      'the backup job to finish',
      async () => {
        const job = await findObject(kc, 'medusabackupjobs', namespace, 'before-secret');
        return job?.status?.finishTime ? job : undefined;
      },
      480_000,
    );
    expect(condition(done, 'Complete')?.status, JSON.stringify(done.status?.conditions)).toBe('True');
    const ready = await waitFor(
      'SecretAvailable=True',
      async () => {
        const c = await findObject(kc, 'medusaconfigurations', namespace, 'medusa');
        return condition(c, 'SecretAvailable')?.status === 'True' ? c : undefined;
      },
      60_000,
    );
    expect(condition(ready, 'Ready')?.status).toBe('True');
    // The secret's contents are nowhere: logs, Events, status.
    const { leaks } = await findLeaks(kc, namespace, { secretKey: minio.secretAccessKey }, [applied.stderr]);
    expect(leaks).toEqual([]);
  }, 600_000);

  it('StorageReachable: the sidecars list the bucket with the credentials they mount; shown in kubectl get and kubectl medusa status', async () => {
    const reachable = await waitFor(
      'StorageReachable=True',
      async () => {
        const c = await findObject(kc, 'medusaconfigurations', namespace, 'medusa');
        return condition(c, 'StorageReachable')?.status === 'True' ? c : undefined;
      },
      60_000,
    );
    expect(condition(reachable, 'StorageReachable')).toMatchObject({
      reason: 'StorageReachable',
      message: `bucket ${bucket} listed from 1 pods: dc1-0`,
    });
    const checked = Date.parse(String(reachable.status?.lastStorageCheck));
    expect(Date.now() - checked).toBeLessThan(60_000);
    const table = await kubectl('get', 'medusaconfigurations', '-o', 'wide');
    expect(table.stdout.split('\n')[0]).toMatch(
      /NAME\s+READY\s+SECRETAVAILABLE\s+STORAGEREACHABLE\s+LAST CHECK\s+MESSAGE\s+AGE/,
    );
    expect(table.stdout.split('\n')[1]).toMatch(/^medusa\s+True\s+True\s+True\s+\d+s\s+Ready/);
    const medusa = pluginIn(namespace, 120_000);
    const shown = await medusa('status', 'dc1');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /Conditions:\s+Ready True\s+SecretAvailable True\s+StorageReachable True \(checked/,
    );

    // The bucket goes away (emptied and deleted behind our back): the next checks say so.
    const s3 = minioClient();
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (objects.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    expect(objects.IsTruncated).toBeFalsy();
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const unreachable = await waitFor(
      'StorageReachable=False',
      async () => {
        const c = await findObject(kc, 'medusaconfigurations', namespace, 'medusa');
        return condition(c, 'StorageReachable')?.status === 'False' ? c : undefined;
      },
      60_000,
    );
    expect(condition(unreachable, 'StorageReachable')).toMatchObject({
      reason: 'StorageUnreachable',
      message: expect.stringMatching(
        new RegExp(
          `^bucket ${bucket} not reachable from dc1-0: .*bucket.*; reachable from 0 of 1 pods$`,
          'i',
        ),
      ),
    });
    expect(condition(unreachable, 'Ready')).toMatchObject({ status: 'False', reason: 'StorageUnreachable' });
    const warned = (await eventsOf('medusa')).filter((e) => e.reason === 'StorageUnreachable');
    expect(warned[0]?.type).toBe('Warning');
    const broken = await medusa('status', 'dc1');
    expect(broken.stdout).toMatch(/StorageReachable False/);
    expect(broken.stdout).toMatch(
      new RegExp(`Problem:\\s+StorageReachable: bucket ${bucket} not reachable from dc1-0`),
    );

    // Back: the bucket exists again.
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const back = await waitFor(
      'StorageReachable=True again',
      async () => {
        const c = await findObject(kc, 'medusaconfigurations', namespace, 'medusa');
        return condition(c, 'Ready')?.status === 'True' ? c : undefined;
      },
      60_000,
    );
    expect(condition(back, 'StorageReachable')?.status).toBe('True');
    const { leaks } = await findLeaks(kc, namespace, { secretKey: minio.secretAccessKey }, [
      shown.stdout,
      broken.stdout,
      table.stdout,
    ]);
    expect(leaks).toEqual([]);
  }, 180_000);
});
