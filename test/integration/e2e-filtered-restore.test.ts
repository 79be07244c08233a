import { CreateBucketCommand } from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { Client, policies, types } from 'cassandra-driver';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findObject } from '../../lib/medusa-api.js';
import { CassandraCluster, type CassandraNode } from '../bed/cassandra.js';
import { adminConfig } from '../support/kube.js';
import { insertRows, range } from '../support/rows.js';
import { minioClient, pluginIn } from '../support/plugin.js';
import { findLeaks } from '../support/secrets.js';
import { minio } from '../bed/stores.js';
import { startStack, waitForDatacenterReady, type Stack } from '../support/stack.js';

// Issue 13: a MedusaRestoreJob with spec.filter (kubectl medusa restore --keyspaces) restores only
// the keyspaces it names (plus the system keyspaces, as Medusa does) on every node of a real 3-node
// datacenter; every other keyspace keeps what was written after the backup, including writes
// never flushed before the datacenter stopped. A filter naming what the backup does not hold is
// refused before the datacenter stops.

const namespace = `filtered-${process.pid}`;
const bucket = `filtered-${process.pid}`;
const cluster = new CassandraCluster({ name: 'filtered', hosts: [31, 32, 33] });
const restored = 'fr_restored';
const kept = 'fr_kept';
const backupName = 'fr-full';
const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const s3 = minioClient();
let stack: Stack;
let client: Client;

const plugin = pluginIn(namespace, 900_000);
/** Everything the plugin printed in this file, searched for secrets at the end. */
const outputs: string[] = [];
const medusa = async (...args: string[]) => {
  const result = await plugin(...args);
  outputs.push(result.stdout, result.stderr);
  return result;
};

async function connect(): Promise<Client> {
  const c = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
  await c.connect();
  return c;
}

/** `id=value` of every row as one node holds it: that node coordinates, at consistency ONE. */
async function rowsOn(node: CassandraNode, keyspace: string): Promise<string[]> {
  const one = new Client({
    contactPoints: [node.address],
    localDataCenter: cluster.datacenter,
    policies: {
      loadBalancing: new policies.loadBalancing.WhiteListPolicy(
        new policies.loadBalancing.DCAwareRoundRobinPolicy(cluster.datacenter),
        [`${node.address}:9042`],
      ),
    },
  });
  await one.connect();
  try {
    const result = await one.execute(`SELECT id, value FROM ${keyspace}.rows`, [], {
      consistency: types.consistencies.one,
    });
    return result.rows.map((r) => `${String(r.id)}=${String(r.value)}`).sort();
  } finally {
    await one.shutdown();
  }
}

const all = { query: { consistency: types.consistencies.all } };
const rowsOf = (ids: number[], value: (id: number) => string = (id) => `v${id}`) =>
  ids.map((id) => `${id}=${value(id)}`).sort();

/** Rows added, deleted and updated after the backup, at consistency ALL and without any flush. */
async function change(keyspace: string): Promise<void> {
  await insertRows(client, keyspace, 100, 120, { value: (id) => `new${id}`, ...all });
  for (let id = 0; id < 10; id++) {
    await client.execute(`DELETE FROM ${keyspace}.rows WHERE id = ?`, [id], {
      prepare: true,
      consistency: types.consistencies.all,
    });
  }
  await insertRows(client, keyspace, 50, 51, { value: () => 'updated', ...all });
}
const changedRows = [
  ...rowsOf(range(10, 100)).filter((r) => !r.startsWith('50=')),
  '50=updated',
  ...rowsOf(range(100, 120), (id) => `new${id}`),
].sort();

/** What a refused restore must leave alone: the StatefulSet's spec and every pod, as they were. */
async function datacenterState() {
  const sts = await apps.readNamespacedStatefulSet({ name: 'dc1', namespace });
  const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=dc1' });
  return {
    generation: sts.metadata?.generation,
    replicas: sts.spec?.replicas,
    annotations: sts.metadata?.annotations?.['medusa.k8ssandra.io/replicas-before-restore'],
    pods: pods.items.map((p) => `${p.metadata?.name}/${p.metadata?.uid}`).sort(),
  };
}

beforeAll(async () => {
  // A fresh cluster: the harness keeps node data across pod restarts, so clear what a previous run left.
  await cluster.stop();
  rmSync(cluster.dir, { recursive: true, force: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'minio', bucket },
    datacenter: 'dc1',
    prefix: 'filtered',
    webhookPort: 18531,
    agentStaleAfterSeconds: 30,
  });
  await waitForDatacenterReady(namespace, 'dc1', 3);
  client = await connect();
  for (const keyspace of [restored, kept]) {
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', '${cluster.datacenter}': 3}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    // Every node knows the table before the first write at ALL (under load in CI the driver's 10 s
    // schema wait ended first and a replica answered "Server failure during write query").
    await cluster.waitForSchemaAgreement();
    await insertRows(client, keyspace, 0, 100, all);
  }
  const result = await medusa(
    'backup',
    'dc1',
    '--name',
    backupName,
    '--type',
    'full',
    '--wait',
    '--timeout',
    '10m',
  );
  expect(result.code, result.stderr).toBe(0);
  expect((await findObject(kc, 'medusabackups', namespace, backupName))?.status?.status).toBe('SUCCESS');
}, 1_200_000);

afterAll(async () => {
  await client?.shutdown().catch(() => undefined);
  await stack?.stop();
  await cluster.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}, 300_000);

describe('a filtered MedusaRestoreJob on 3 Cassandra nodes', () => {
  it('is refused before the datacenter stops when the filter names a keyspace the backup does not hold', async () => {
    const before = await datacenterState();
    const result = await medusa(
      'restore',
      '--backup',
      backupName,
      '--keyspaces',
      `${restored},fr_missing`,
      '--name',
      'fr-refused',
      '--wait',
      '--timeout',
      '5m',
    );
    expect(result.code).not.toBe(0);
    const job = await findObject(kc, 'medusarestorejobs', namespace, 'fr-refused');
    expect(job?.status?.finishTime).toBeDefined();
    expect(job?.status?.datacenterStopped).toBeUndefined();
    // Refused on the first node that reports it (each node checks the backup of its source node).
    expect(String(job?.status?.message)).toMatch(
      new RegExp(
        `^refused before stopping dc1: the filter names what is not in backup ${backupName}: "fr_missing" \\(keyspaces in it: ${kept}, ${restored}, system, .*\\) \\(dc1-\\d(, dc1-\\d)*\\)$`,
      ),
    );
    expect(result.stderr).toContain('"fr_missing"');
    // Never scaled down, never reconfigured, no pod restarted.
    expect(await datacenterState()).toEqual(before);
    expect(before.replicas).toBe(3);
  }, 600_000);

  it('restores only the named keyspace on every node; the other keeps its changes, unflushed ones included', async () => {
    await change(restored);
    await change(kept);
    await client.shutdown();
    const result = await medusa(
      'restore',
      '--backup',
      backupName,
      '--keyspaces',
      restored,
      '--name',
      'fr-restore',
      '--wait',
      '--timeout',
      '15m',
    );
    expect(result.code, result.stderr).toBe(0);
    await waitForDatacenterReady(namespace, 'dc1', 3);
    client = await connect();

    // The init containers got the filter through the restore contract.
    const sts = await apps.readNamespacedStatefulSet({ name: 'dc1', namespace });
    const init = sts.spec?.template.spec?.initContainers?.find((c) => c.name === 'medusa-restore');
    expect(init?.env?.find((e) => e.name === 'RESTORE_FILTER')?.value).toBe(`{"include":["${restored}"]}`);
    const job = await findObject(kc, 'medusarestorejobs', namespace, 'fr-restore');
    expect(job?.status?.finished).toEqual(['dc1-0', 'dc1-1', 'dc1-2']);

    for (const node of cluster.nodes) {
      expect(await rowsOn(node, restored), `${restored} on ${node.address}`).toEqual(rowsOf(range(0, 100)));
      expect(await rowsOn(node, kept), `${kept} on ${node.address}`).toEqual(changedRows);
    }
  }, 1_200_000);

  it('leaves no storage key or service-account token in any log, Event, status or plugin output', async () => {
    const { leaks, searched } = await findLeaks(
      kc,
      namespace,
      { 'the MinIO secret key': minio.secretAccessKey, 'the MinIO access key': minio.accessKeyId },
      outputs,
    );
    // The run was searched where it wrote: stack services, every container of the 3 pods, Events.
    expect(searched.filter((w) => w.startsWith('log '))).toEqual(
      expect.arrayContaining([
        `log controller-${namespace}.log`,
        `log ${namespace}.dc1-0.medusa.log`,
        `log ${namespace}.dc1-2.medusa-restore.log`,
      ]),
    );
    expect(leaks).toEqual([]);
  });
});
