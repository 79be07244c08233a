/**
 * Restore downtime, staged against unstaged, for the same backup (issue 18): a 1-node datacenter on
 * the stack (webhook, controller, kubelet harness, real Cassandra on 127.0.0.<host>, MinIO), N MB of
 * incompressible rows, one full backup, then a staged restore (`kubectl medusa restore`, the
 * default) and an unstaged one (annotation medusa.k8ssandra.io/staged-restore: "false"). Prints,
 * for each, the datacenter's downtime (stop requested to every pod Ready again), the time it was
 * scaled to zero until Ready again, and the restore's total time, side by side. Needs the test bed
 * up (npm run testbed); not part of npm test.
 *
 *   npx tsx bench/restore-downtime.ts [--mb 500] [--host 182]
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { Client } from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createObject, findObject, type MedusaObject } from '../lib/medusa-api.js';
import { CassandraCluster } from '../test/bed/cassandra.js';
import { waitUntil } from '../test/bed/proc.js';
import { adminConfig } from '../test/support/kube.js';
import { minioClient, pluginIn } from '../test/support/plugin.js';
import { startStack, waitForDatacenterReady } from '../test/support/stack.js';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '500' }, host: { type: 'string', default: '182' } },
});
const megabytes = Number(values.mb);
const namespace = `bench-downtime-${process.pid}`;
const cluster = new CassandraCluster({ name: 'benchdowntime', hosts: [Number(values.host)] });
const kc = adminConfig();
const plugin = pluginIn(namespace, 3_600_000);
const seconds = (a: unknown, b: unknown) => (Date.parse(String(b)) - Date.parse(String(a))) / 1000;

async function connect(): Promise<Client> {
  const c = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
  await c.connect();
  return c;
}

async function finished(name: string): Promise<MedusaObject> {
  let job: MedusaObject | undefined;
  await waitUntil(
    `restore ${name}`,
    async () =>
      Boolean((job = await findObject(kc, 'medusarestorejobs', namespace, name))?.status?.finishTime),
    3_600_000,
    1000,
  );
  if (job!.status?.message) throw new Error(`${name}: ${String(job!.status.message)}`);
  return job!;
}

await cluster.stop();
rmSync(cluster.dir, { recursive: true, force: true });
await minioClient().send(new CreateBucketCommand({ Bucket: namespace }));
const stack = await startStack({
  namespace,
  cluster,
  storage: { kind: 'minio', bucket: namespace },
  prefix: 'bench',
  webhookPort: 18533,
});
try {
  await waitForDatacenterReady(namespace, 'dc1', 1);
  let client = await connect();
  await client.execute(
    `CREATE KEYSPACE bench WITH replication = {'class': 'NetworkTopologyStrategy', '${cluster.datacenter}': 1}`,
  );
  await client.execute(`CREATE TABLE bench.blobs (id int PRIMARY KEY, data blob)`);
  const rowBytes = 256 * 1024;
  const rows = Math.ceil((megabytes * 1024 * 1024) / rowBytes);
  // 8 prepared INSERTs in flight.
  let next = 0;
  const writer = async () => {
    for (let id = next++; id < rows; id = next++)
      await client.execute('INSERT INTO bench.blobs (id, data) VALUES (?, ?)', [id, randomBytes(rowBytes)], {
        prepare: true,
      });
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  await cluster.nodes[0]!.nodetool('flush', 'bench');
  await client.shutdown();
  const backup = await plugin(
    'backup',
    'dc1',
    '--name',
    'bench-full',
    '--type',
    'full',
    '--wait',
    '--timeout',
    '60m',
  );
  if (backup.code !== 0) throw new Error(backup.stderr);
  const results: [string, MedusaObject][] = [];
  for (const staged of [true, false]) {
    const name = staged ? 'bench-staged' : 'bench-unstaged';
    await createObject(kc, 'medusarestorejobs', namespace, {
      apiVersion: 'medusa.k8ssandra.io/v1alpha1',
      kind: 'MedusaRestoreJob',
      metadata: {
        name,
        namespace,
        annotations: { 'medusa.k8ssandra.io/staged-restore': String(staged) },
      },
      spec: { backup: 'bench-full', cassandraDatacenter: 'dc1' },
    });
    results.push([staged ? 'staged' : 'unstaged', await finished(name)]);
    await waitForDatacenterReady(namespace, 'dc1', 1);
    client = await connect();
    // Ids only, paged: count(*) over 500 MB of blobs in one page runs a 768 MB heap out of memory.
    let count = 0;
    let pageState: string | undefined;
    do {
      const page = await client.execute('SELECT id FROM bench.blobs', [], {
        prepare: true,
        fetchSize: 100,
        ...(pageState ? { pageState } : {}),
      });
      count += page.rows.length;
      pageState = page.pageState ?? undefined;
    } while (pageState);
    await client.shutdown();
    if (count !== rows) throw new Error(`${name}: ${count} rows, not ${rows}`);
  }
  const backupBytes =
    (results[0]![1].status?.preparation as { bytesTotal?: number }[] | undefined)?.[0]?.bytesTotal ?? 0;
  console.log(
    `restore of one node backup of ${(backupBytes / 1024 ** 2).toFixed(0)} MiB (${rows} rows of ${rowBytes / 1024} KiB)`,
  );
  console.log('mode       downtime_s  stopped_to_ready_s  staging_s  total_s');
  for (const [mode, job] of results) {
    const s = job.status!;
    const staging = s.prepared ? seconds(s.startTime, s.prepared).toFixed(0) : '-';
    console.log(
      `${mode.padEnd(10)} ${String(s.downtimeSeconds).padStart(10)}  ${seconds(s.datacenterStopped, s.datacenterRestarted).toFixed(0).padStart(18)}  ${staging.padStart(9)}  ${seconds(s.startTime, s.finishTime).toFixed(0).padStart(7)}`,
    );
  }
} finally {
  await stack.stop();
  await cluster.stop();
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .deleteNamespace({ name: namespace })
    .catch(() => undefined);
  rmSync(cluster.dir, { recursive: true, force: true });
  // The backup is N MB in MinIO: removed with its bucket.
  const s3 = minioClient();
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: namespace })).catch(() => undefined);
    const keys = listed?.Contents?.map((o) => ({ Key: o.Key! })) ?? [];
    if (!keys.length) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: namespace, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: namespace })).catch(() => undefined);
}
