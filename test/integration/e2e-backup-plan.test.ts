import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { Client } from 'cassandra-driver';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan } from '../../crds/index.js';
import { findObject } from '../../lib/medusa-api.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { adminConfig } from '../support/kube.js';
import { minioClient, pluginIn } from '../support/plugin.js';
import { startStack, waitForDatacenterReady, type Stack } from '../support/stack.js';

// MedusaBackupJob.spec.dryRun as a plan, end to end: after a real backup and a few new SSTables,
// `kubectl medusa backup dc1 --plan` reports exactly the new files and bytes, creates no
// MedusaBackup, leaves no snapshot, and storage holds exactly what it held before.

const namespace = `plan-${process.pid}`;
const bucket = `plan-${process.pid}`;
const prefix = 'plan';
const cluster = new CassandraCluster({ name: 'plan', hosts: [61] });
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const s3 = minioClient();
let stack: Stack;
let client: Client;

const medusa = pluginIn(namespace, 600_000);

/** Every object of the bucket: key -> size and ETag. */
async function bucketContents(): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) objects.set(o.Key!, `${o.Size} ${o.ETag}`);
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

/** The live files of planks.items on the node: `<table dir>/<file>` -> size. */
function tableFiles(): Map<string, number> {
  const keyspaceDir = join(cluster.nodes[0]!.dataDir, 'planks');
  const files = new Map<string, number>();
  for (const tableDir of readdirSync(keyspaceDir).filter((d) => d.startsWith('items-'))) {
    for (const entry of readdirSync(join(keyspaceDir, tableDir), { withFileTypes: true })) {
      if (entry.isFile())
        files.set(`${tableDir}/${entry.name}`, statSync(join(keyspaceDir, tableDir, entry.name)).size);
    }
  }
  return files;
}

async function write(from: number, to: number): Promise<void> {
  for (let id = from; id < to; id++) {
    await client.execute(
      'INSERT INTO planks.items (id, value) VALUES (?, ?)',
      [id, `v${id}-${'x'.repeat(100)}`],
      {
        prepare: true,
      },
    );
  }
  await cluster.nodes[0]!.nodetool('flush', 'planks');
}

beforeAll(async () => {
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'minio', bucket },
    datacenter: 'dc1',
    prefix,
    webhookPort: 18461,
    agentStaleAfterSeconds: 30,
  });
  await waitForDatacenterReady(namespace, 'dc1', 1);
  client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: 'dc1' });
  await client.connect();
  await client.execute(
    "CREATE KEYSPACE planks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}",
  );
  await client.execute('CREATE TABLE planks.items (id int PRIMARY KEY, value text)');
  // No compaction may merge SSTables between the backup and the plan: the expected files are known.
  await cluster.nodes[0]!.nodetool('disableautocompaction', 'planks');
}, 900_000);

afterAll(async () => {
  await client?.shutdown().catch(() => undefined);
  await stack?.stop();
  await cluster.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 300_000);

describe('dryRun: a backup plan on a Cassandra node and MinIO', () => {
  it('reports exactly the SSTables written since the last backup, writes nothing and creates no MedusaBackup', async () => {
    await write(0, 200);
    const base = await medusa('backup', 'dc1', '--name', 'plan-base', '--wait', '--timeout', '10m');
    expect(base.code, base.stderr).toBe(0);
    expect((await findObject(kc, 'medusabackups', namespace, 'plan-base'))?.status?.status).toBe('SUCCESS');
    const backedUp = tableFiles();

    // Two flushes: two new SSTables, each several component files.
    await write(200, 400);
    await write(400, 500);
    const now = tableFiles();
    const expected = [...now].filter(([file]) => !backedUp.has(file));
    expect(expected.length).toBeGreaterThanOrEqual(2 * 5);
    const before = await bucketContents();

    const planned = await medusa('backup', 'dc1', '--plan', '--name', 'plan-1', '--keyspaces', 'planks');
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/Plan of a differential backup of dc1/);
    expect(planned.stdout).toMatch(/^TOTAL\s+\d+/m);
    expect(planned.stdout).toMatch(/dc1-0\s+/);

    const job = await findObject(kc, 'medusabackupjobs', namespace, 'plan-1');
    const plans = (job?.status?.plan ?? []) as NodePlan[];
    expect(plans.map((p) => p.node)).toEqual(['dc1-0']);
    const plan = plans[0]!;
    const uploads = new Map((plan.uploads ?? []).map((u) => [u.path, u.size]));
    expect(new Map([...uploads].map(([path, size]) => [path.replace(/^planks\//, ''), size]))).toEqual(
      new Map(expected),
    );
    expect(plan.uploadFiles).toBe(expected.length);
    expect(plan.uploadBytes).toBe(expected.reduce((sum, [, size]) => sum + size, 0));
    expect(plan.reusedFiles).toBe(backedUp.size);
    expect(plan.reusedBytes).toBe([...backedUp.values()].reduce((a, b) => a + b, 0));
    expect(plan.snapshotFiles).toBe(now.size);
    expect(plan.storageReachable).toBe(true);
    expect(plan.storageWritable).toBe(true);
    expect(plan.problems ?? []).toEqual([]);
    expect(plan.dataFreeBytes).toBeGreaterThan(0);
    // host is the node's folder in storage, where its earlier backup lives.
    expect([...before.keys()].some((key) => key.startsWith(`${prefix}/${plan.host}/`))).toBe(true);
    const complete = (job?.status?.conditions as { type: string; status: string; reason: string }[]).find(
      (c) => c.type === 'Complete',
    );
    expect(complete).toMatchObject({ status: 'True', reason: 'PlanReady' });

    // Nothing new in storage, no MedusaBackup, no snapshot left on the node.
    expect(await bucketContents()).toEqual(before);
    expect(await findObject(kc, 'medusabackups', namespace, 'plan-1')).toBeUndefined();
    const snapshots = await cluster.nodes[0]!.nodetool('listsnapshots');
    expect(String(snapshots)).not.toContain('medusa-plan-1');
  });
});
