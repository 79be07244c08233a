import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { Client } from 'cassandra-driver';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createObject,
  deleteObject,
  findObject,
  listObjects,
  patchObject,
  type MedusaObject,
} from '../../lib/medusa-api.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { adminConfig } from '../support/kube.js';
import { isAgentEntry } from '../support/entry.js';
import { minioClient, pluginIn } from '../support/plugin.js';
import {
  startStack,
  stopStaleStacks,
  waitForDatacenterReady,
  waitForRollout,
  type Stack,
} from '../support/stack.js';

// Issue 7 end to end: the webhook injects the agent into a real 3-node Cassandra datacenter (run by
// the kubelet stand-in), the controller drives backups and restores, data goes to MinIO, and the
// user drives it all with kubectl medusa.

const namespace = `e2e-${process.pid}`;
const bucket = `e2e-${process.pid}`;
const cluster = new CassandraCluster({ name: 'e2e', hosts: [21, 22, 23] });
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const s3 = minioClient();
let stack: Stack;
let client: Client;

const medusa = pluginIn(namespace, 900_000);

async function eventually<T>(
  what: string,
  get: () => Promise<T | undefined>,
  timeoutMs = 300_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The pid of a pod's medusa sidecar process, found by its environment as the harness started it. */
function sidecarPid(pod: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmdline.some(isAgentEntry) || !cmdline.includes('sidecar')) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`POD_NAME=${pod}`) && environ.includes(`POD_NAMESPACE=${namespace}`))
        return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

async function connect(): Promise<void> {
  client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: 'dc1' });
  await client.connect();
}

async function rows(): Promise<string[]> {
  const result = await client.execute('SELECT id, value FROM e2e.items', [], { consistency: 4 /* ALL */ });
  return result.rows.map((r) => `${String(r.id)}=${String(r.value)}`).sort();
}

async function backup(name: string, type: 'full' | 'differential' = 'differential') {
  const result = await medusa('backup', 'dc1', '--name', name, '--type', type, '--wait', '--timeout', '10m');
  expect(result.code, result.stderr).toBe(0);
  return findObject(kc, 'medusabackups', namespace, name);
}

/** Empties and removes our bucket: the bed is left as found. */
async function removeBucket(): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

beforeAll(async () => {
  // A killed earlier run's harness would restart the nodes stopped and wiped below.
  await stopStaleStacks(namespace);
  // A fresh cluster: the harness keeps node data across pod restarts, so clear what a previous run left.
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'minio', bucket },
    datacenter: 'dc1',
    prefix: 'e2e',
    agentStaleAfterSeconds: 20,
  });
  await waitForDatacenterReady(namespace, 'dc1', 3);
  await connect();
  await client.execute(
    "CREATE KEYSPACE e2e WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}",
  );
  await client.execute('CREATE TABLE e2e.items (id int PRIMARY KEY, value text)');
  // Every node knows the table before the first prepared INSERT (on a loaded machine the driver's
  // 10 s wait ends first, and the INSERT failed with "table items does not exist").
  await cluster.waitForSchemaAgreement();
}, 900_000);

afterAll(async () => {
  await client?.shutdown().catch(() => undefined);
  await stack?.stop();
  await cluster.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await removeBucket().catch(() => undefined);
}, 300_000);

describe('end to end on 3 Cassandra nodes and MinIO', () => {
  let firstBackup = '';
  const before: string[] = [];

  it('injects the agent into every pod of the bound datacenter', async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=dc1' });
    expect(pods.items.map((p) => p.metadata?.name).sort()).toEqual(['dc1-0', 'dc1-1', 'dc1-2']);
    for (const pod of pods.items) {
      expect(pod.spec?.containers.map((c) => c.name)).toContain('medusa');
      expect(pod.spec?.initContainers?.map((c) => c.name)).toContain('medusa-restore');
    }
  });

  it('a MedusaBackupJob ends with a MedusaBackup SUCCESS listing 3 nodes and their tokens', async () => {
    for (let id = 0; id < 300; id++) {
      await client.execute('INSERT INTO e2e.items (id, value) VALUES (?, ?)', [id, `v${id}`], {
        prepare: true,
        consistency: 4,
      });
    }
    await Promise.all(cluster.nodes.map((n) => n.nodetool('flush', 'e2e')));
    before.push(...(await rows()));
    firstBackup = 'e2e-full-1';
    const result = await backup(firstBackup, 'full');
    expect(result?.status).toMatchObject({ status: 'SUCCESS', totalNodes: 3, finishedNodes: 3 });
    const nodes = result?.status?.nodes as { host: string; tokens: bigint[]; datacenter: string }[];
    expect(nodes.map((n) => n.host).sort()).toEqual(cluster.contactPoints);
    for (const [i, node] of cluster.nodes.entries()) {
      const host = nodes.find((n) => n.host === node.address);
      expect(host?.tokens.map(String)).toEqual([cluster.initialToken(i)]);
    }
    expect(Number(result?.status?.totalFiles)).toBeGreaterThan(0);
  });

  it('a MedusaRestoreJob brings back exactly the backed-up rows on all 3 nodes, and the datacenter runs again', async () => {
    await client.execute('TRUNCATE e2e.items');
    await client.execute("INSERT INTO e2e.items (id, value) VALUES (9999, 'written after the backup')");
    await client.shutdown();
    const result = await medusa(
      'restore',
      '--backup',
      firstBackup,
      '--name',
      'e2e-restore-1',
      '--wait',
      '--timeout',
      '15m',
    );
    expect(result.code, result.stderr).toBe(0);
    await waitForDatacenterReady(namespace, 'dc1', 3);
    await connect();
    expect(await rows()).toEqual(before);
    // Each node has the rows by itself (consistency ONE against each replica's own data).
    for (const node of cluster.nodes) {
      const one = new Client({
        contactPoints: [node.address],
        localDataCenter: 'dc1',
        policies: {
          loadBalancing: new (await import('cassandra-driver')).policies.loadBalancing.WhiteListPolicy(
            new (await import('cassandra-driver')).policies.loadBalancing.DCAwareRoundRobinPolicy('dc1'),
            [`${node.address}:9042`],
          ),
        },
      });
      await one.connect();
      const count = await one.execute('SELECT count(*) FROM e2e.items', [], { consistency: 1 });
      expect(Number(count.first()?.count)).toBe(before.length);
      await one.shutdown();
    }
  }, 600_000); // a 3-node restore took 178 s on the loaded 2-core machine (default timeout 180 s)

  it('sync recreates a deleted MedusaBackup and removes one whose remote backup was deleted', async () => {
    await backup('e2e-diff-2');
    await deleteObject(kc, 'medusabackups', namespace, firstBackup);
    // Remove e2e-diff-2 from storage: its index entries are what make it a backup.
    const index = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'e2e/index/backup_index/e2e-diff-2/' }),
    );
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: (index.Contents ?? []).map((o) => ({ Key: o.Key! })) },
      }),
    );
    const result = await medusa('sync', 'dc1', '--name', 'e2e-sync-1', '--wait', '--timeout', '5m');
    expect(result.code, result.stderr).toBe(0);
    const names = (await listObjects(kc, 'medusabackups', namespace)).map((b) => b.metadata.name);
    expect(names).toContain(firstBackup);
    expect(names).not.toContain('e2e-diff-2');
  });

  it('purge with maxBackupCount 2 leaves 2 backups', async () => {
    await backup('e2e-diff-3');
    await backup('e2e-diff-4');
    await patchObject(kc, 'medusaconfigurations', namespace, 'medusa', {
      spec: { storageProperties: { maxBackupCount: 2 } },
    });
    // The agents read medusa.ini from the pod template: the webhook re-renders it when the
    // StatefulSet changes, so roll the pods to pick the new retention up.
    await kc.makeApiClient(k8s.AppsV1Api).patchNamespacedStatefulSet(
      {
        name: 'dc1',
        namespace,
        body: {
          spec: { template: { metadata: { annotations: { 'e2e/restarted': String(Date.now()) } } } },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await waitForRollout(namespace, 'dc1');
    const result = await medusa('purge', 'dc1', '--name', 'e2e-purge-1', '--wait', '--timeout', '5m');
    expect(result.code, result.stderr).toBe(0);
    await eventually('sync after purge', async () => {
      const sync = await findObject(kc, 'medusatasks', namespace, 'e2e-purge-1-sync');
      return sync?.status?.finishTime ? sync : undefined;
    });
    const remaining = (await listObjects(kc, 'medusabackups', namespace)).map((b) => b.metadata.name).sort();
    expect(remaining).toEqual(['e2e-diff-3', 'e2e-diff-4']);
  });

  it('killing an agent mid-backup ends the job FAILED with a reason, and the schedule goes on', async () => {
    for (let id = 1000; id < 6000; id++) {
      if (id % 500 === 0) await Promise.all(cluster.nodes.map((n) => n.nodetool('flush', 'e2e')));
      await client.execute('INSERT INTO e2e.items (id, value) VALUES (?, ?)', [id, 'x'.repeat(2000)], {
        prepare: true,
      });
    }
    await createObject(kc, 'medusabackupjobs', namespace, {
      apiVersion: 'medusa.k8ssandra.io/v1alpha1',
      kind: 'MedusaBackupJob',
      metadata: { name: 'e2e-killed' },
      spec: { cassandraDatacenter: 'dc1', backupType: 'full' },
    } as MedusaObject);
    // Wait until dc1-1's agent reports Running, then kill its process.
    await eventually('dc1-1 running', async () => {
      const job = await findObject(kc, 'medusabackupjobs', namespace, 'e2e-killed');
      return ((job?.status?.progress as { node: string; phase: string }[]) ?? []).some(
        (p) => p.node === 'dc1-1' && p.phase === 'Running',
      )
        ? true
        : undefined;
    });
    const pid = sidecarPid('dc1-1');
    expect(pid, 'the sidecar process of dc1-1').toBeDefined();
    process.kill(pid!, 'SIGKILL');
    const job = await eventually('job finished', async () => {
      const j = await findObject(kc, 'medusabackupjobs', namespace, 'e2e-killed');
      return j?.status?.finishTime ? j : undefined;
    });
    expect((job.status?.failed as string[]).length).toBeGreaterThan(0);
    const failed = (job.status?.progress as { node: string; phase: string; lastError?: string }[]).filter(
      (p) => p.phase === 'Failed',
    );
    expect(failed[0]?.lastError).toMatch(/stopped reporting|restarted during the operation/);
    // A failed job leaves no MedusaBackup, as in k8ssandra-operator (issue 20).
    expect(await findObject(kc, 'medusabackups', namespace, 'e2e-killed')).toBeUndefined();

    // The schedule goes on: its next run starts a new job.
    await createObject(kc, 'medusabackupschedules', namespace, {
      apiVersion: 'medusa.k8ssandra.io/v1alpha1',
      kind: 'MedusaBackupSchedule',
      metadata: { name: 'every-minute' },
      spec: {
        cronSchedule: '* * * * *',
        backupSpec: { cassandraDatacenter: 'dc1', backupType: 'differential' },
      },
    } as MedusaObject);
    const scheduled = await eventually(
      'scheduled job',
      async () =>
        (
          await listObjects(kc, 'medusabackupjobs', namespace, 'medusa.k8ssandra.io/schedule=every-minute')
        )[0],
      90_000,
    );
    const done = await eventually('scheduled backup', async () => {
      const b = await findObject(kc, 'medusabackups', namespace, scheduled.metadata.name);
      return b?.status?.status ? b : undefined;
    });
    expect(done.status?.status).toBe('SUCCESS');
  }, 600_000); // 5000 rows, a killed agent's watchdog, then a schedule's next minute: over 3 min when loaded
});
