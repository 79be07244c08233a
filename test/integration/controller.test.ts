import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationAnnotation } from '../../crds/binding.js';
import { startController, type Controller } from '../../controller/manager.js';
import { createLogger } from '../../lib/log.js';
import {
  createObject,
  findObject,
  listObjects,
  patchStatus,
  type MedusaObject,
} from '../../lib/medusa-api.js';
import { reportNodeProgress } from '../../lib/node-report.js';
import { adminConfig, cassandraStatefulSet, installCrds, testNamespace } from '../support/kube.js';

// The controller against the real kube-apiserver. Agents are the real reporting code
// (lib/node-report.ts) called from the test in the pods' place; end-to-end runs with real agents
// and Cassandra live in the e2e tests.

const kc = adminConfig();
const apps = kc.makeApiClient(k8s.AppsV1Api);
const core = kc.makeApiClient(k8s.CoreV1Api);
let ns: { name: string; remove: () => Promise<void> };
let controller: Controller;
const logs: string[] = [];

const apiVersion = 'medusa.k8ssandra.io/v1alpha1';
const pods = ['dc1-0', 'dc1-1', 'dc1-2'];

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const job = (name: string, dc = 'dc1'): MedusaObject => ({
  apiVersion,
  kind: 'MedusaBackupJob',
  metadata: { name },
  spec: { cassandraDatacenter: dc, backupType: 'full' },
});

async function started(name: string): Promise<MedusaObject> {
  return waitFor(`job ${name} started`, async () => {
    const j = await findObject(kc, 'medusabackupjobs', ns.name, name);
    return j?.status?.startTime ? j : undefined;
  });
}

const finishedBackup = (name: string, timeoutMs = 30_000) =>
  waitFor(
    `backup ${name}`,
    async () => {
      const b = await findObject(kc, 'medusabackups', ns.name, name);
      return b?.status?.status ? b : undefined;
    },
    timeoutMs,
  );

async function eventsFor(name: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({
    namespace: ns.name,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items.map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

beforeAll(async () => {
  await installCrds();
  ns = await testNamespace('controller');
  await apps.createNamespacedStatefulSet({
    namespace: ns.name,
    body: cassandraStatefulSet('dc1', { replicas: 3, annotations: { [configurationAnnotation]: 'minio' } }),
  });
  controller = startController({
    kc,
    namespace: ns.name,
    log: createLogger('controller', { write: (l) => logs.push(l) }),
    leaderElection: { namespace: ns.name, leaseDurationSeconds: 6 },
    timings: { agentStartTimeoutMs: 4_000, agentStaleAfterMs: 4_000, pollMs: 500, datacenterWaitMs: 3_000 },
    resyncMs: 2_000,
  });
});

afterAll(async () => {
  await controller?.stop();
  await ns?.remove();
});

describe('controller', () => {
  it('holds a Lease in its namespace while it leads', async () => {
    const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
    const lease = await waitFor('lease', () =>
      coordination
        .readNamespacedLease({ name: 'kubectl-medusa-controller', namespace: ns.name })
        .catch(() => undefined),
    );
    expect(lease.spec?.holderIdentity).toMatch(/-\d+$/);
  });
});

describe('MedusaBackupJob', () => {
  it('starts on every pod, and when the agents succeed writes a SUCCESS MedusaBackup with nodes and tokens', async () => {
    await createObject(kc, 'medusabackupjobs', ns.name, job('good'));
    const running = await started('good');
    expect(running.status?.inProgress).toEqual(pods);
    const tokens = [-9223372036854775808n, -3074457345618258603n, 3074457345618258602n];
    for (const [i, node] of pods.entries()) {
      await reportNodeProgress(kc, 'MedusaBackupJob', ns.name, 'good', {
        node,
        phase: 'Running',
        bytesDone: 10,
        bytesTotal: 1000,
        filesDone: 1,
        filesTotal: 10,
      });
      await reportNodeProgress(kc, 'MedusaBackupJob', ns.name, 'good', {
        node,
        phase: 'Succeeded',
        bytesDone: 1000 * (i + 1),
        bytesTotal: 1000 * (i + 1),
        filesDone: 10,
        filesTotal: 10,
        host: `127.0.0.${i + 1}`,
        datacenter: 'dc1',
        rack: 'rack1',
        tokens: [tokens[i]!],
      });
    }
    const backup = await finishedBackup('good');
    expect(backup.spec).toEqual({ cassandraDatacenter: 'dc1', backupType: 'full' });
    expect(backup.status).toMatchObject({
      status: 'SUCCESS',
      totalNodes: 3,
      finishedNodes: 3,
      totalFiles: 30,
      totalSize: '5.86 KB',
    });
    expect(backup.status?.nodes).toEqual([
      { host: '127.0.0.1', datacenter: 'dc1', rack: 'rack1', tokens: [-9223372036854775808n] },
      { host: '127.0.0.2', datacenter: 'dc1', rack: 'rack1', tokens: [-3074457345618258603n] },
      { host: '127.0.0.3', datacenter: 'dc1', rack: 'rack1', tokens: [3074457345618258602n] },
    ]);
    const done = await findObject(kc, 'medusabackupjobs', ns.name, 'good');
    expect(done?.status).toMatchObject({ finished: pods, failed: [], inProgress: [] });
    expect(
      (done?.status?.conditions as { type: string; status: string }[]).find((c) => c.type === 'Complete')
        ?.status,
    ).toBe('True');
    expect(await eventsFor('good')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Normal BackupStarted/),
        expect.stringMatching(/^Normal BackupSucceeded/),
      ]),
    );
  });

  it('fails a node whose agent stops reporting, with the reason, and leaves no MedusaBackup', async () => {
    await createObject(kc, 'medusabackupjobs', ns.name, job('stalled'));
    await started('stalled');
    await reportNodeProgress(kc, 'MedusaBackupJob', ns.name, 'stalled', {
      node: 'dc1-0',
      phase: 'Succeeded',
      bytesTotal: 5,
      filesTotal: 1,
    });
    await reportNodeProgress(kc, 'MedusaBackupJob', ns.name, 'stalled', {
      node: 'dc1-1',
      phase: 'Succeeded',
      bytesTotal: 5,
      filesTotal: 1,
    });
    await reportNodeProgress(kc, 'MedusaBackupJob', ns.name, 'stalled', {
      node: 'dc1-2',
      phase: 'Running',
      bytesDone: 1,
      bytesTotal: 5,
    });
    // dc1-2's agent now goes silent.
    // A failed job leaves no MedusaBackup, as in k8ssandra-operator (issue 20).
    const done = await waitFor('job stalled finished', async () => {
      const j = await findObject(kc, 'medusabackupjobs', ns.name, 'stalled');
      return j?.status?.finishTime ? j : undefined;
    });
    expect(await findObject(kc, 'medusabackups', ns.name, 'stalled')).toBeUndefined();
    expect(done?.status?.failed).toEqual(['dc1-2']);
    const progress = done?.status?.progress as { node: string; lastError?: string }[];
    expect(progress.find((p) => p.node === 'dc1-2')?.lastError).toMatch(
      /the agent of dc1-2 stopped reporting/,
    );
    expect(await eventsFor('stalled')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Warning NodeBackupFailed: dc1-2: the agent of dc1-2 stopped reporting/),
      ]),
    );
  });

  it('fails the job when no agent ever starts', async () => {
    await createObject(kc, 'medusabackupjobs', ns.name, job('silent'));
    const done = await waitFor('job silent finished', async () => {
      const j = await findObject(kc, 'medusabackupjobs', ns.name, 'silent');
      return j?.status?.finishTime ? j : undefined;
    });
    expect(await findObject(kc, 'medusabackups', ns.name, 'silent')).toBeUndefined();
    expect((done?.status?.progress as { lastError: string }[])[0]?.lastError).toMatch(
      /never started the backup/,
    );
  });

  it('waits for a datacenter that does not exist, saying so, and ends the job at the deadline', async () => {
    await createObject(kc, 'medusabackupjobs', ns.name, job('nowhere', 'dc9'));
    const done = await waitFor('job finished', async () => {
      const j = await findObject(kc, 'medusabackupjobs', ns.name, 'nowhere');
      return j?.status?.finishTime ? j : undefined;
    });
    const failed = (done.status?.conditions as { type: string; message: string }[]).find(
      (c) => c.type === 'Failed',
    );
    expect(failed?.message).toMatch(
      new RegExp(`^datacenter dc9 not found in namespace ${ns.name} \\(waited [3-9]s\\)$`),
    );
    const events = await core.listNamespacedEvent({ namespace: ns.name });
    expect(
      events.items.find((e) => e.involvedObject.name === 'nowhere' && e.reason === 'WaitingForDatacenter')
        ?.message,
    ).toContain('datacenter dc9 not found');
    expect(await findObject(kc, 'medusabackups', ns.name, 'nowhere')).toBeUndefined();
  });
});

describe('MedusaBackupSchedule', () => {
  it('creates a job named <schedule>-<unix seconds> at the cron time; a disabled schedule creates none', async () => {
    for (const [name, disabled] of [
      ['every-minute', false],
      ['off', true],
    ] as const) {
      await createObject(kc, 'medusabackupschedules', ns.name, {
        apiVersion,
        kind: 'MedusaBackupSchedule',
        metadata: { name },
        spec: {
          cronSchedule: '* * * * *',
          disabled,
          backupSpec: { cassandraDatacenter: 'dc1', backupType: 'differential' },
        },
      });
    }
    const created = await waitFor(
      'scheduled job',
      async () =>
        (await listObjects(kc, 'medusabackupjobs', ns.name, 'medusa.k8ssandra.io/schedule=every-minute'))[0],
      75_000,
    );
    const seconds = Number(/^every-minute-(\d+)$/.exec(created.metadata.name)?.[1]);
    expect(seconds % 60).toBe(0);
    expect(Math.abs(Date.now() / 1000 - seconds)).toBeLessThan(30);
    expect(created.spec).toEqual({ cassandraDatacenter: 'dc1', backupType: 'differential' });
    // The job is created before the schedule's status is written: wait for that write.
    const schedule = await waitFor(
      'schedule status after its run',
      async () => {
        const found = await findObject(kc, 'medusabackupschedules', ns.name, 'every-minute');
        return found?.status?.lastExecution ? found : undefined;
      },
      15_000,
    );
    expect(schedule?.status?.lastExecution).toBe(
      new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'),
    );
    expect(new Date(String(schedule?.status?.nextSchedule)).getTime()).toBe((seconds + 60) * 1000);
    expect(await listObjects(kc, 'medusabackupjobs', ns.name, 'medusa.k8ssandra.io/schedule=off')).toEqual(
      [],
    );
  }, 100_000);
});

describe('MedusaRestoreJob', () => {
  const backupNodes = [
    { host: '127.0.0.1', datacenter: 'dc2', rack: 'rack1', tokens: [-9223372036854775808n] },
    { host: '127.0.0.2', datacenter: 'dc2', rack: 'rack1', tokens: [-3074457345618258603n] },
    { host: '127.0.0.3', datacenter: 'dc2', rack: 'rack1', tokens: [3074457345618258602n] },
  ];

  async function backup(name: string, status: string, nodes = backupNodes) {
    await createObject(kc, 'medusabackups', ns.name, {
      apiVersion,
      kind: 'MedusaBackup',
      metadata: { name },
      spec: { cassandraDatacenter: 'dc2', backupType: 'full' },
    });
    await patchStatus(kc, 'medusabackups', ns.name, name, {
      status,
      nodes,
      totalNodes: nodes.length,
      finishedNodes: nodes.length,
    });
  }

  const restore = (name: string, backupName: string) =>
    createObject(kc, 'medusarestorejobs', ns.name, {
      apiVersion,
      kind: 'MedusaRestoreJob',
      metadata: { name },
      spec: { backup: backupName, cassandraDatacenter: 'dc2' },
    });

  const finished = (name: string, timeoutMs = 60_000) =>
    waitFor(
      `restore ${name} finished`,
      async () => {
        const j = await findObject(kc, 'medusarestorejobs', ns.name, name);
        return j?.status?.finishTime ? j : undefined;
      },
      timeoutMs,
    );

  const restoreEnv = async () => {
    const sts = await apps.readNamespacedStatefulSet({ name: 'dc2', namespace: ns.name });
    const init = sts.spec?.template.spec?.initContainers?.find((c) => c.name === 'medusa-restore');
    return Object.fromEntries((init?.env ?? []).map((e) => [e.name, e.value]));
  };

  beforeAll(async () => {
    const sts = cassandraStatefulSet('dc2', {
      replicas: 3,
      annotations: { [configurationAnnotation]: 'minio' },
    });
    sts.spec!.template.spec!.initContainers = [
      {
        name: 'medusa-restore',
        image: 'medusa-agent',
        command: ['medusa-agent'],
        args: ['restore'],
        env: [{ name: 'MEDUSA_MODE', value: 'RESTORE' }],
      },
    ];
    await apps.createNamespacedStatefulSet({ namespace: ns.name, body: sts });
    await backup('b-ok', 'SUCCESS');
    await backup('b-failed', 'FAILED');
    await backup('b-small', 'SUCCESS', backupNodes.slice(0, 2));
  });

  it('maps nodes, stops the datacenter, restarts it with the restore key, and on a node failure says why and drops the restore', async () => {
    await restore('r-fails', 'b-ok');
    const stopped = await waitFor('datacenter stopped', async () => {
      const j = await findObject(kc, 'medusarestorejobs', ns.name, 'r-fails');
      return j?.status?.datacenterStopped ? j : undefined;
    });
    expect(stopped.status?.restoreKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(stopped.status?.restoreMapping).toEqual({
      in_place: true,
      host_map: {
        'dc2-0': { source: ['127.0.0.1'], seed: true },
        'dc2-1': { source: ['127.0.0.2'], seed: false },
        'dc2-2': { source: ['127.0.0.3'], seed: false },
      },
    });
    // Started again with the restore configured on the init container.
    expect(await restoreEnv()).toMatchObject({
      MEDUSA_MODE: 'RESTORE',
      RESTORE_KEY: stopped.status?.restoreKey,
      BACKUP_NAME: 'b-ok',
      RESTORE_JOB: 'r-fails',
    });
    // k8ssandra's contract with the init container: the mapping as JSON.
    expect(JSON.parse(String((await restoreEnv()).RESTORE_MAPPING))).toEqual(stopped.status?.restoreMapping);
    expect((await apps.readNamespacedStatefulSet({ name: 'dc2', namespace: ns.name })).spec?.replicas).toBe(
      3,
    );

    await reportNodeProgress(kc, 'MedusaRestoreJob', ns.name, 'r-fails', {
      node: 'dc2-0',
      phase: 'Succeeded',
    });
    await reportNodeProgress(kc, 'MedusaRestoreJob', ns.name, 'r-fails', {
      node: 'dc2-1',
      phase: 'Failed',
      lastError: 'checksum mismatch on nb-1-big-Data.db',
    });
    const done = await finished('r-fails');
    expect(done.status?.message).toBe('restore failed on dc2-1: checksum mismatch on nb-1-big-Data.db');
    expect(done.status?.failed).toEqual(['dc2-1']);
    expect(await restoreEnv()).toEqual({ MEDUSA_MODE: 'RESTORE' });
    const sts = await apps.readNamespacedStatefulSet({ name: 'dc2', namespace: ns.name });
    expect(sts.spec?.replicas).toBe(3);
    expect(sts.metadata?.annotations?.['medusa.k8ssandra.io/replicas-before-restore']).toBeUndefined();
    expect(await eventsFor('r-fails')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Normal DatacenterStopped/),
        expect.stringMatching(/^Warning RestoreFailed: restore failed on dc2-1/),
      ]),
    );
  });

  it('refuses a failed backup, and a backup that does not fit the datacenter, without stopping it', async () => {
    await restore('r-bad-backup', 'b-failed');
    await restore('r-too-small', 'b-small');
    expect((await finished('r-bad-backup')).status?.message).toBe(
      'backup b-failed is FAILED: only a complete backup can be restored',
    );
    expect((await finished('r-too-small')).status?.message).toBe(
      'the backup has 2 nodes but the datacenter has 3 pods: restore into a datacenter of the same size',
    );
    expect(
      (await findObject(kc, 'medusarestorejobs', ns.name, 'r-too-small'))?.status?.datacenterStopped,
    ).toBeUndefined();
    expect((await apps.readNamespacedStatefulSet({ name: 'dc2', namespace: ns.name })).spec?.replicas).toBe(
      3,
    );
  });
});

describe('MedusaTask', () => {
  const task = (name: string, operation: string, extra: Record<string, unknown> = {}) =>
    createObject(kc, 'medusatasks', ns.name, {
      apiVersion,
      kind: 'MedusaTask',
      metadata: { name },
      spec: { operation, cassandraDatacenter: 'dc1', ...extra },
    });
  const startedTask = (name: string) =>
    waitFor(`task ${name} started`, async () => {
      const t = await findObject(kc, 'medusatasks', ns.name, name);
      return t?.status?.startTime ? t : undefined;
    });
  const finishedTask = (name: string) =>
    waitFor(`task ${name} finished`, async () => {
      const t = await findObject(kc, 'medusatasks', ns.name, name);
      return t?.status?.finishTime ? t : undefined;
    });

  it("purges on every node, records each node's purge statistics, then syncs", async () => {
    await task('purge-1', 'purge');
    expect((await startedTask('purge-1')).status?.inProgress).toEqual(pods);
    for (const [i, node] of pods.entries()) {
      await reportNodeProgress(kc, 'MedusaTask', ns.name, 'purge-1', {
        node,
        phase: 'Succeeded',
        nbBackupsPurged: 1,
        nbObjectsPurged: 10 + i,
        totalPurgedSize: 4096,
        totalObjectsWithinGcGrace: i,
      });
    }
    const done = await finishedTask('purge-1');
    expect(done.status?.finished).toEqual(
      pods.map((podName, i) => ({
        podName,
        nbBackupsPurged: 1,
        nbObjectsPurged: 10 + i,
        totalPurgedSize: 4096,
        totalObjectsWithinGcGrace: i,
      })),
    );
    const sync = await waitFor('sync task', () => findObject(kc, 'medusatasks', ns.name, 'purge-1-sync'));
    expect(sync.spec).toEqual({ operation: 'sync', cassandraDatacenter: 'dc1' });
  });

  it('verifies on one node and reports what the agent found wrong', async () => {
    await task('verify-1', 'verify', { backupName: 'good' });
    expect((await startedTask('verify-1')).status?.inProgress).toEqual(['dc1-0']);
    await reportNodeProgress(kc, 'MedusaTask', ns.name, 'verify-1', {
      node: 'dc1-0',
      phase: 'Failed',
      lastError: '1 missing object: index/backup_index/good/manifest_127.0.0.2.json',
    });
    const done = await finishedTask('verify-1');
    expect(done.status?.failed).toEqual(['dc1-0']);
    const failed = (done.status?.conditions as { type: string; message: string }[]).find(
      (c) => c.type === 'Failed',
    );
    expect(failed?.message).toBe('dc1-0: 1 missing object: index/backup_index/good/manifest_127.0.0.2.json');
  });
});

describe('daily purge schedules', () => {
  const configuration = (name: string, purgeBackups: boolean) =>
    createObject(kc, 'medusaconfigurations', ns.name, {
      apiVersion,
      kind: 'MedusaConfiguration',
      metadata: { name },
      spec: {
        purgeBackups,
        storageProperties: {
          storageProvider: 's3_compatible',
          bucketName: 'b',
          host: '127.0.0.1',
          port: 19000,
          secure: false,
          storageSecretRef: { name: 's' },
        },
      },
    });

  it('creates one for each bound datacenter unless purgeBackups is false', async () => {
    await apps.createNamespacedStatefulSet({
      namespace: ns.name,
      body: cassandraStatefulSet('dc-nopurge', {
        replicas: 1,
        annotations: { [configurationAnnotation]: 'keep-all' },
      }),
    });
    await configuration('minio', true);
    await configuration('keep-all', false);
    const schedule = await waitFor('purge schedule', () =>
      findObject(kc, 'medusabackupschedules', ns.name, 'dc1-purge'),
    );
    expect(schedule.spec).toMatchObject({
      cronSchedule: '0 0 * * *',
      operationType: 'purge',
      backupSpec: { cassandraDatacenter: 'dc1' },
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await findObject(kc, 'medusabackupschedules', ns.name, 'dc-nopurge-purge')).toBeUndefined();
  });
});
