import * as k8s from '@kubernetes/client-node';
import { configurationAnnotation } from '../../crds/binding.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type Controller } from '../../controller/manager.js';
import { createLogger } from '../../lib/log.js';
import {
  createObject,
  deleteObject,
  findObject,
  listObjects,
  type MedusaObject,
} from '../../lib/medusa-api.js';
import { reportNodeProgress } from '../../lib/node-report.js';
import { adminConfig, cassandraStatefulSet, installCrds, kubectl, testNamespace } from '../support/kube.js';

// Where k8ssandra-operator's users rely on its behaviour (issue 20): the real controller against
// the real kube-apiserver, objects created directly (no Cassandra, no webhook).

const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
let ns: { name: string; remove: () => Promise<void> };
let controller: Controller;
const logs: string[] = [];
const apiVersion = 'medusa.k8ssandra.io/v1alpha1';

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Condition = { type: string; status: string; reason: string; message: string };
const condition = (o: MedusaObject | undefined, type: string) =>
  (o?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

beforeAll(async () => {
  await installCrds();
  ns = await testNamespace('compat');
  await apps.createNamespacedStatefulSet({
    namespace: ns.name,
    body: cassandraStatefulSet('dc1', { replicas: 2, annotations: { [configurationAnnotation]: 'irsa' } }),
  });
  controller = startController({
    kc,
    namespace: ns.name,
    log: createLogger('controller', { write: (l) => logs.push(l) }),
    leaderElection: false,
    timings: { agentStartTimeoutMs: 4_000, agentStaleAfterMs: 4_000, pollMs: 500 },
    resyncMs: 2_000,
  });
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

describe('MedusaConfiguration status', () => {
  it('shows a missing bucket secret as SecretAvailable=False naming it, and turns Ready when it appears', async () => {
    await createObject(kc, 'medusaconfigurations', ns.name, {
      apiVersion,
      kind: 'MedusaConfiguration',
      metadata: { name: 's3' },
      spec: {
        storageProperties: {
          storageProvider: 's3_compatible',
          bucketName: 'compat-bucket',
          host: '127.0.0.1',
          storageSecretRef: { name: 'compat-bucket-key' },
        },
      },
    });
    const missing = await waitFor('SecretAvailable=False', async () => {
      const c = await findObject(kc, 'medusaconfigurations', ns.name, 's3');
      return condition(c, 'SecretAvailable')?.status === 'False' ? c : undefined;
    });
    expect(condition(missing, 'SecretAvailable')).toMatchObject({
      reason: 'SecretNotFound',
      message: expect.stringContaining(`secret compat-bucket-key not found in namespace ${ns.name}`),
    });
    expect(condition(missing, 'Ready')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
    // kubectl get shows it in the printer columns.
    const table = await kubectl('get', 'medusaconfigurations', '-n', ns.name, '-o', 'wide');
    expect(table.split('\n')[0]).toMatch(
      /NAME\s+READY\s+SECRETAVAILABLE\s+STORAGEREACHABLE\s+LAST CHECK\s+MESSAGE\s+AGE/,
    );
    // No pod checked the storage: Unknown, no time.
    expect(table.split('\n')[1]).toMatch(
      /^s3\s+False\s+False\s+Unknown\s+secret compat-bucket-key not found/,
    );

    const secretValue = 'c2VjcmV0LWtleS1tYXRlcmlhbA==';
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'compat-bucket-key' }, data: { credentials: secretValue } },
    });
    const ready = await waitFor('Ready=True', async () => {
      const c = await findObject(kc, 'medusaconfigurations', ns.name, 's3');
      return condition(c, 'Ready')?.status === 'True' ? c : undefined;
    });
    expect(condition(ready, 'SecretAvailable')).toMatchObject({ status: 'True', reason: 'SecretAvailable' });
    const after = await kubectl('get', 'medusaconfigurations', '-n', ns.name);
    expect(after.split('\n')[1]).toMatch(/^s3\s+True\s+True\s+/);
    // The secret's contents never reach status, Events or the log.
    const events = await core.listNamespacedEvent({ namespace: ns.name });
    expect(JSON.stringify([ready, events.items, logs])).not.toContain(secretValue);
    expect(events.items.map((e) => `${e.reason}: ${e.message}`)).toContainEqual(
      expect.stringContaining(`SecretNotFound: secret compat-bucket-key not found in namespace ${ns.name}`),
    );
  });

  it('needs no secret with role-based credentials', async () => {
    await createObject(kc, 'medusaconfigurations', ns.name, {
      apiVersion,
      kind: 'MedusaConfiguration',
      metadata: { name: 'irsa' },
      spec: {
        storageProperties: {
          storageProvider: 's3',
          bucketName: 'compat-irsa',
          credentialsType: 'role-based',
        },
      },
    });
    const c = await waitFor('Ready', async () => {
      const o = await findObject(kc, 'medusaconfigurations', ns.name, 'irsa');
      return condition(o, 'Ready') ? o : undefined;
    });
    expect(condition(c, 'Ready')?.status).toBe('True');
    expect(condition(c, 'SecretAvailable')).toMatchObject({ status: 'True', reason: 'NoSecretNeeded' });
  });
});

const finishedJob = (name: string) =>
  waitFor(`job ${name} finished`, async () => {
    const j = await findObject(kc, 'medusabackupjobs', ns.name, name);
    return j?.status?.finishTime ? j : undefined;
  });

describe('MedusaBackup', () => {
  it('is materialised for a successful job only: a failed job leaves none', async () => {
    for (const name of ['compat-ok', 'compat-failed']) {
      await createObject(kc, 'medusabackupjobs', ns.name, {
        apiVersion,
        kind: 'MedusaBackupJob',
        metadata: { name },
        spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
      });
      await waitFor(`job ${name} started`, async () => {
        const j = await findObject(kc, 'medusabackupjobs', ns.name, name);
        return j?.status?.startTime ? j : undefined;
      });
      for (const node of ['dc1-0', 'dc1-1']) {
        const fail = name === 'compat-failed' && node === 'dc1-1';
        await reportNodeProgress(kc, 'MedusaBackupJob', ns.name, name, {
          node,
          phase: fail ? 'Failed' : 'Succeeded',
          ...(fail ? { lastError: 'disk full' } : { bytesTotal: 10, filesTotal: 1 }),
        });
      }
      await finishedJob(name);
    }
    const ok = await waitFor('backup compat-ok', () => findObject(kc, 'medusabackups', ns.name, 'compat-ok'));
    expect(ok.metadata.labels?.['medusa.k8ssandra.io/backup-job']).toBe('compat-ok');
    const failedJob = await findObject(kc, 'medusabackupjobs', ns.name, 'compat-failed');
    expect(failedJob?.status?.failed).toEqual(['dc1-1']);
    // A few reconciles later there is still none.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await findObject(kc, 'medusabackups', ns.name, 'compat-failed')).toBeUndefined();
  });
});

const scheduleLabel = 'medusa.k8ssandra.io/schedule';
const schedule = (name: string, extra: Record<string, unknown>): MedusaObject => ({
  apiVersion,
  kind: 'MedusaBackupSchedule',
  metadata: { name },
  spec: {
    cronSchedule: '@every 2s',
    backupSpec: { cassandraDatacenter: 'dc1', backupType: 'differential' },
    ...extra,
  },
});

describe('MedusaBackupSchedule', () => {
  it('with concurrencyPolicy Forbid postpones a run blocked by an active job and starts it when that job ends', async () => {
    await createObject(kc, 'medusabackupjobs', ns.name, {
      apiVersion,
      kind: 'MedusaBackupJob',
      metadata: { name: 'compat-active', labels: { [scheduleLabel]: 'forbid' } },
      spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
    });
    await waitFor('active job started', async () => {
      const j = await findObject(kc, 'medusabackupjobs', ns.name, 'compat-active');
      return j?.status?.startTime ? j : undefined;
    });
    await createObject(
      kc,
      'medusabackupschedules',
      ns.name,
      schedule('forbid', { concurrencyPolicy: 'Forbid' }),
    );
    const postponed = await waitFor('run postponed', async () => {
      const s = await findObject(kc, 'medusabackupschedules', ns.name, 'forbid');
      return condition(s, 'Ready')?.reason === 'RunPostponed' ? s : undefined;
    });
    expect(condition(postponed, 'Ready')?.message).toMatch(
      /waits for compat-active \(concurrencyPolicy Forbid\)/,
    );
    expect(postponed.status?.lastExecution).toBeUndefined();
    const byLabel = () => listObjects(kc, 'medusabackupjobs', ns.name, `${scheduleLabel}=forbid`);
    expect((await byLabel()).map((j) => j.metadata.name)).toEqual(['compat-active']);
    // The active job ends: the postponed run starts, without waiting for another slot to be missed.
    for (const node of ['dc1-0', 'dc1-1'])
      await reportNodeProgress(kc, 'MedusaBackupJob', ns.name, 'compat-active', { node, phase: 'Succeeded' });
    const run = await waitFor(
      'postponed run',
      async () => (await byLabel()).find((j) => j.metadata.name !== 'compat-active'),
      10_000,
    );
    expect(run.metadata.name).toMatch(/^forbid-\d+$/);
    const after = await findObject(kc, 'medusabackupschedules', ns.name, 'forbid');
    expect(after?.status?.lastExecution).toBeDefined();
    await deleteObject(kc, 'medusabackupschedules', ns.name, 'forbid');
  });

  it('advances lastExecution of a disabled schedule without creating anything', async () => {
    await createObject(kc, 'medusabackupschedules', ns.name, schedule('off', { disabled: true }));
    const s = await waitFor('lastExecution', async () => {
      const o = await findObject(kc, 'medusabackupschedules', ns.name, 'off');
      return o?.status?.lastExecution ? o : undefined;
    });
    expect(s.status?.nextSchedule).toBeDefined();
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Disabled' });
    await new Promise((r) => setTimeout(r, 2500));
    const later = await findObject(kc, 'medusabackupschedules', ns.name, 'off');
    expect(new Date(String(later?.status?.lastExecution)).getTime()).toBeGreaterThan(
      new Date(String(s.status?.lastExecution)).getTime(),
    );
    expect(await listObjects(kc, 'medusabackupjobs', ns.name, `${scheduleLabel}=off`)).toEqual([]);
    await deleteObject(kc, 'medusabackupschedules', ns.name, 'off');
  });
});

describe('MedusaTask', () => {
  it("the sync task a purge creates keeps the purge task's labels", async () => {
    const labels = { team: 'compat', 'app.kubernetes.io/part-of': 'gitops' };
    await createObject(kc, 'medusatasks', ns.name, {
      apiVersion,
      kind: 'MedusaTask',
      metadata: { name: 'compat-purge', labels },
      spec: { operation: 'purge', cassandraDatacenter: 'dc1' },
    });
    await waitFor('purge started', async () => {
      const t = await findObject(kc, 'medusatasks', ns.name, 'compat-purge');
      return t?.status?.startTime ? t : undefined;
    });
    for (const node of ['dc1-0', 'dc1-1'])
      await reportNodeProgress(kc, 'MedusaTask', ns.name, 'compat-purge', { node, phase: 'Succeeded' });
    const sync = await waitFor('sync task', () =>
      findObject(kc, 'medusatasks', ns.name, 'compat-purge-sync'),
    );
    expect(sync.metadata.labels).toEqual({ ...labels, 'medusa.k8ssandra.io/after-purge': 'compat-purge' });
    expect(sync.spec).toMatchObject({ operation: 'sync', cassandraDatacenter: 'dc1' });
  });
});
