import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitingConfigurationAnnotation } from '../../crds/binding.js';
import { createObject, findObject, patchStatus, type MedusaObject } from '../../lib/medusa-api.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { kubeconfigPath } from '../bed/kube.js';
import { runDir } from '../bed/paths.js';
import { adminConfig } from '../support/kube.js';
import { boundStatefulSet, medusaConfiguration, startStack, type Stack } from '../support/stack.js';

// Issue 20, as k8ssandra-operator's users rely on it: a GitOps folder (configuration, datacenter,
// schedule, backup job) applied in reverse order converges to a finished backup; a sync removes a
// vanished backup together with its MedusaBackupJob. The whole stack: webhook, controller, and the
// harness running a 1-node datacenter on 127.0.0.171.

const namespace = `gitops-${process.pid}`;
const bucket = `gitops-${process.pid}`;
const cluster = new CassandraCluster({ name: 'gitops', hosts: [171] });
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
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

const kubectl = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfigPath, '-n', namespace, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

const eventsOf = async (name: string) =>
  (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.involvedObject.name === name);

type Condition = { type: string; status: string; reason: string; message: string };
const conditions = (o: MedusaObject | undefined) => (o?.status?.conditions as Condition[] | undefined) ?? [];

beforeAll(async () => {
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'local', bucket },
    datacenter: 'dc1',
    webhookPort: 18571,
    datacenterObjects: false,
  });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await cluster.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 300_000);

describe('GitOps: a folder of manifests applied in any order', () => {
  it('applied in reverse order (job, schedule, datacenter, configuration) converges to a finished backup', async () => {
    // kubectl apply -f <folder> applies the files in name order: the backup job first.
    const folder = join(runDir, 'gitops', namespace);
    mkdirSync(folder, { recursive: true });
    const manifests = {
      '1-backup.json': {
        apiVersion,
        kind: 'MedusaBackupJob',
        metadata: { name: 'gitops-first' },
        spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
      },
      '2-schedule.json': {
        apiVersion,
        kind: 'MedusaBackupSchedule',
        metadata: { name: 'gitops-nightly' },
        spec: { cronSchedule: '0 3 * * *', backupSpec: { cassandraDatacenter: 'dc1' } },
      },
      '3-datacenter.json': boundStatefulSet('dc1', 1, 'gitops'),
      '4-configuration.json': medusaConfiguration(namespace, { kind: 'local', bucket }),
    };
    for (const [file, body] of Object.entries(manifests))
      writeFileSync(join(folder, file), JSON.stringify(body));
    const applied = await kubectl('apply', '-f', folder);
    expect(applied.code, applied.stderr).toBe(0);
    // Each object that came before what it needs is stored with a warning saying so.
    expect(applied.stderr).toContain(
      'Warning: spec.cassandraDatacenter: no CassandraDatacenter or StatefulSet "dc1"',
    );
    expect(applied.stderr).toContain('Warning: spec.backupSpec.cassandraDatacenter: no CassandraDatacenter');
    expect(applied.stderr).toMatch(
      /Warning: medusa.k8ssandra.io\/configuration: MedusaConfiguration "medusa" does not exist/,
    );

    const done = await waitFor(
      'the backup job to finish',
      async () => {
        const job = await findObject(kc, 'medusabackupjobs', namespace, 'gitops-first');
        return job?.status?.finishTime ? job : undefined;
      },
      480_000,
    );
    const complete = conditions(done).find((c) => c.type === 'Complete');
    expect(complete?.status, JSON.stringify(conditions(done))).toBe('True');
    const backup = await findObject(kc, 'medusabackups', namespace, 'gitops-first');
    expect(backup?.status?.status).toBe('SUCCESS');
    expect(backup?.status?.finishedNodes).toBe(1);

    // On the way the job said what it waited for.
    const waited = (await eventsOf('gitops-first')).filter((e) => e.reason === 'WaitingForDatacenter');
    expect(waited.map((e) => e.message).join('\n')).toMatch(/datacenter dc1|pods of datacenter dc1/);
    // The StatefulSet got Medusa once the configuration existed; its pod runs the sidecar.
    const sts = await apps.readNamespacedStatefulSet({ name: 'dc1', namespace });
    expect(sts.spec?.template.metadata?.annotations?.[awaitingConfigurationAnnotation]).toBeUndefined();
    const pod = await core.readNamespacedPod({ name: 'dc1-0', namespace });
    expect(pod.spec?.containers.map((c) => c.name)).toContain('medusa');
    const released = (await eventsOf('medusa')).filter((e) => e.reason === 'MedusaInjected');
    expect(released[0]?.message).toContain('StatefulSet dc1 was waiting for this configuration');
    // The schedule was stored and is waiting for its time.
    expect(await findObject(kc, 'medusabackupschedules', namespace, 'gitops-nightly')).toBeDefined();
  }, 600_000);

  it('a sync deletes a MedusaBackup gone from storage together with its MedusaBackupJob, as k8ssandra-operator', async () => {
    // A backup the cluster believes in but storage no longer holds (purged by another tool), and
    // the job that made it.
    await createObject(kc, 'medusabackups', namespace, {
      apiVersion,
      kind: 'MedusaBackup',
      metadata: { name: 'vanished' },
      spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
    });
    await patchStatus(kc, 'medusabackups', namespace, 'vanished', {
      startTime: '2026-01-01T00:00:00Z',
      finishTime: '2026-01-01T00:01:00Z',
      totalNodes: 1,
      finishedNodes: 1,
      status: 'SUCCESS',
    });
    await createObject(kc, 'medusabackupjobs', namespace, {
      apiVersion,
      kind: 'MedusaBackupJob',
      metadata: { name: 'vanished' },
      // On a datacenter that is gone: the job waits, unfinished, until the sync removes it.
      spec: { cassandraDatacenter: 'dc-gone', backupType: 'full' },
    });
    await createObject(kc, 'medusatasks', namespace, {
      apiVersion,
      kind: 'MedusaTask',
      metadata: { name: 'gitops-sync' },
      spec: { operation: 'sync', cassandraDatacenter: 'dc1' },
    });
    const task = await waitFor(
      'the sync task to finish',
      async () => {
        const t = await findObject(kc, 'medusatasks', namespace, 'gitops-sync');
        return t?.status?.finishTime ? t : undefined;
      },
      120_000,
    );
    expect(task.status?.finished, JSON.stringify(task.status)).toHaveLength(1);
    expect(await findObject(kc, 'medusabackups', namespace, 'vanished')).toBeUndefined();
    expect(await findObject(kc, 'medusabackupjobs', namespace, 'vanished')).toBeUndefined();
    // What storage holds stays, with its job.
    expect(await findObject(kc, 'medusabackups', namespace, 'gitops-first')).toBeDefined();
    expect(await findObject(kc, 'medusabackupjobs', namespace, 'gitops-first')).toBeDefined();
  }, 180_000);
});
