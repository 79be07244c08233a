import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { Client } from 'cassandra-driver';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findObject, type MedusaObject } from '../../lib/medusa-api.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { waitUntil } from '../bed/proc.js';
import { containerLogFile } from '../harness/kubelet/container-process.js';
import { adminConfig } from '../support/kube.js';
import { minioClient, pluginIn } from '../support/plugin.js';
import { insertRows, range, rowIds } from '../support/rows.js';
import { startStack, waitForDatacenterReady, type Stack } from '../support/stack.js';

// Issue 18: a MedusaRestoreJob (through `kubectl medusa restore`) first has the node's sidecar stage
// and verify its backup while Cassandra runs (a prepare_restore MedusaTask), then stops the
// datacenter and the medusa-restore init container only moves the staged files into place. The
// status records the stop, the restart and the downtime, the rows are exactly the backed-up ones,
// and the staging folder is gone. A job that opts out restores as k8ssandra's does. A backup that
// cannot be staged fails the job while Cassandra keeps running.

const namespace = `staged-${process.pid}`;
const bucket = `staged-${process.pid}`;
const cluster = new CassandraCluster({ name: 'staged', hosts: [151] });
const keyspace = 'sr_app';
const backupName = 'sr-full';
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const plugin = pluginIn(namespace, 600_000);
let stack: Stack;
let client: Client;

async function connect(): Promise<Client> {
  const c = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
  await c.connect();
  return c;
}

/** After the backup: the table emptied and other rows written, which a restore must undo. */
async function damage(): Promise<void> {
  await client.execute(`TRUNCATE ${keyspace}.rows`);
  await insertRows(client, keyspace, 500, 510);
  expect(await rowIds(client, keyspace)).toEqual(range(500, 510));
}

/** Staging folders left on the node's data volume (the pod's /var/lib/cassandra). */
const stagings = () =>
  readdirSync(join(cluster.nodes[0]!.dir, 'data')).filter((n) => n.startsWith('medusa-'));

async function finished(name: string): Promise<MedusaObject> {
  let job: MedusaObject | undefined;
  await waitUntil(
    `restore ${name}`,
    async () => {
      job = await findObject(kc, 'medusarestorejobs', namespace, name);
      return Boolean(job?.status?.finishTime);
    },
    600_000,
  );
  return job!;
}

const seconds = (time: unknown) => Date.parse(String(time)) / 1000;

beforeAll(async () => {
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
  await minioClient().send(new CreateBucketCommand({ Bucket: bucket }));
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'minio', bucket },
    datacenter: 'dc1',
    prefix: 'staged',
    webhookPort: 18532,
    agentStaleAfterSeconds: 30,
  });
  await waitForDatacenterReady(namespace, 'dc1', 1);
  client = await connect();
  await client.execute(
    `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', '${cluster.datacenter}': 1}`,
  );
  await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
  await insertRows(client, keyspace, 0, 200);
  const result = await plugin(
    'backup',
    'dc1',
    '--name',
    backupName,
    '--type',
    'full',
    '--wait',
    '--timeout',
    '5m',
  );
  expect(result.code, result.stderr).toBe(0);
}, 900_000);

afterAll(async () => {
  await client?.shutdown().catch(() => undefined);
  await stack?.stop();
  await cluster.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 300_000);

describe('a staged restore through the controller', () => {
  it('stages while Cassandra runs, then only moves files into place: exactly the backed-up rows, downtime recorded, staging gone', async () => {
    await damage();
    await client.shutdown();
    const result = await plugin(
      'restore',
      '--backup',
      backupName,
      '--name',
      'sr-staged',
      '--wait',
      '--timeout',
      '10m',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('once every node has staged and verified');
    const job = await finished('sr-staged');
    const s = job.status!;
    expect(s.message).toBeUndefined();

    // Phase 1, while Cassandra ran: the prepare_restore task, owned by the job, staged every node.
    expect(s.prepareTask).toBe('sr-staged-prepare');
    const task = await findObject(kc, 'medusatasks', namespace, 'sr-staged-prepare');
    expect(task?.spec).toMatchObject({ operation: 'prepare_restore', backupName, restoreKey: s.restoreKey });
    expect(task?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'MedusaRestoreJob',
      name: 'sr-staged',
    });
    expect(task?.status?.finished).toEqual([{ podName: 'dc1-0' }]);
    const [prepared] = s.preparation as {
      node: string;
      phase: string;
      bytesTotal: number;
      filesTotal: number;
    }[];
    expect(prepared).toMatchObject({ node: 'dc1-0', phase: 'Succeeded' });
    expect(prepared!.bytesTotal).toBeGreaterThan(0);

    // Phase 2: stopped only after every node had staged; the downtime is the stop to Ready again.
    expect(seconds(s.prepared)).toBeLessThanOrEqual(seconds(s.stopRequested));
    expect(seconds(s.stopRequested)).toBeLessThanOrEqual(seconds(s.datacenterStopped));
    expect(seconds(s.datacenterStopped)).toBeLessThanOrEqual(seconds(s.datacenterRestarted));
    expect(s.downtimeSeconds).toBe(seconds(s.datacenterRestarted) - seconds(s.stopRequested));
    expect(s.finished).toEqual(['dc1-0']);
    // The init container moved the staged files and downloaded none of them.
    const log = readFileSync(containerLogFile(namespace, 'dc1-0', 'medusa-restore'), 'utf8');
    expect(log).toMatch(
      new RegExp(`restored ${backupName} from .*; moved [1-9]\\d* staged files into place, downloaded 0`),
    );

    await waitForDatacenterReady(namespace, 'dc1', 1);
    client = await connect();
    expect(await rowIds(client, keyspace)).toEqual(range(0, 200));
    expect(stagings()).toEqual([]);

    const described = await plugin('restores', 'describe', 'sr-staged');
    expect(described.stdout).toMatch(/Downtime:\s+\d+s/);
    expect(described.stdout).toContain('Staged while running (sr-staged-prepare):');
  }, 900_000);

  it('restores as k8ssandra does with `kubectl medusa restore --no-staging`: the job opts out, downloaded while stopped, no prepare task', async () => {
    await damage();
    await client.shutdown();
    const result = await plugin(
      'restore',
      '--backup',
      backupName,
      '--name',
      'sr-plain',
      '--no-staging',
      '--wait',
      '--timeout',
      '10m',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('will be stopped without staging (--no-staging)');
    expect(result.stderr).not.toMatch(/stag(ed|ing) and verified|Staging/);
    const created = await findObject(kc, 'medusarestorejobs', namespace, 'sr-plain');
    expect(created?.metadata.annotations).toMatchObject({ 'medusa.k8ssandra.io/staged-restore': 'false' });
    const s = (await finished('sr-plain')).status!;
    expect(s.message).toBeUndefined();
    expect(s.prepareTask).toBeUndefined();
    expect(await findObject(kc, 'medusatasks', namespace, 'sr-plain-prepare')).toBeUndefined();
    expect(s.downtimeSeconds).toBe(seconds(s.datacenterRestarted) - seconds(s.stopRequested));
    const log = readFileSync(containerLogFile(namespace, 'dc1-0', 'medusa-restore'), 'utf8');
    expect(log).toMatch(new RegExp(`restored ${backupName} from [^;]*; downloaded [1-9]\\d* files`));
    await waitForDatacenterReady(namespace, 'dc1', 1);
    client = await connect();
    expect(await rowIds(client, keyspace)).toEqual(range(0, 200));
    expect(stagings()).toEqual([]);
    expect(existsSync(join(cluster.nodes[0]!.dir, 'data', '.last-restore'))).toBe(true);
  }, 900_000);

  // Last: it damages the backup the tests above restore.
  it('a backup that cannot be staged (an SSTable object corrupted in storage) fails the job before the stop: the error in status.preparation, the pod never stopped, rows unchanged', async () => {
    await damage();
    const pod = await core.readNamespacedPod({ name: 'dc1-0', namespace });
    // 16 bytes flipped in the middle of the backup's Data.db of sr_app: same key, same size.
    const s3 = minioClient();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'staged/' }));
    const key = listed.Contents?.map((o) => o.Key!).find(
      (k) => k.includes(`/${backupName}/data/${keyspace}/`) && k.endsWith('-Data.db'),
    );
    expect(key).toBeDefined();
    const data = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body!.transformToByteArray();
    const at = Math.floor(data.length / 2);
    for (let i = at; i < at + 16 && i < data.length; i++) data[i] = data[i]! ^ 0x5a;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));

    const result = await plugin(
      'restore',
      '--backup',
      backupName,
      '--name',
      'sr-bad',
      '--wait',
      '--timeout',
      '10m',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('staging failed, dc1 was not stopped: dc1-0: ');
    const s = (await finished('sr-bad')).status!;
    const [report] = s.preparation as { node: string; phase: string; lastError: string }[];
    expect(report).toMatchObject({ node: 'dc1-0', phase: 'Failed' });
    expect(report!.lastError).toMatch(
      new RegExp(`${key!.slice(key!.indexOf(`/${backupName}/`) + 1).replace(/[.]/g, '\\.')}.*checksum`),
    );
    expect(s.message).toBe(`staging failed, dc1 was not stopped: dc1-0: ${report!.lastError}`);
    expect(s.failed).toEqual(['dc1-0']);
    expect(s.progress).toBeUndefined(); // no node started restoring
    expect(s.prepared).toBeUndefined();
    expect(s.stopRequested).toBeUndefined();
    expect(s.datacenterStopped).toBeUndefined();
    // The same pod, never stopped, answering with the rows it had.
    const after = await core.readNamespacedPod({ name: 'dc1-0', namespace });
    expect(after.metadata?.uid).toBe(pod.metadata?.uid);
    expect(after.status?.containerStatuses?.find((c) => c.name === 'cassandra')?.restartCount).toBe(
      pod.status?.containerStatuses?.find((c) => c.name === 'cassandra')?.restartCount,
    );
    expect(await rowIds(client, keyspace)).toEqual(range(500, 510));
  }, 900_000);
});
