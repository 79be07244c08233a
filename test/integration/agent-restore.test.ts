import { Client } from 'cassandra-driver';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { backupNode } from '../../agent/backup/backup-node.js';
import { CqlSession } from '../../agent/cassandra/cql.js';
import { JolokiaControl } from '../../agent/cassandra/jolokia.js';
import { NodeContext } from '../../agent/cli/context.js';
import { medusaConfig } from '../../agent/config/medusa-ini.js';
import { restoreFromEnvironment } from '../../agent/restore/k8s-restore.js';
import { restoreNode, type RestoreNodeOptions } from '../../agent/restore/restore-node.js';
import { LocalObjectStore } from '../../agent/storage/local-store.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { runDir } from '../bed/paths.js';
import { localStorageDir } from '../bed/stores.js';
import { insertRows, range, rowIds } from '../support/rows.js';

// Backup, damage, restore with Cassandra stopped, start: exactly the backed-up rows come back.
// A one-node cluster of its own on 127.0.0.6, stopped and started by these tests.
const cluster = new CassandraCluster({ name: 'agent-restore', hosts: [6] });
const node = cluster.nodes[0]!;
const bucket = `agent-restore-${process.pid}`;
const prefix = 'it';
const fqdn = node.address;
const keyspace = 'agent_restore';
const quiet = createLogger('test', { level: 'warn' });
let client: Client;
let store: LocalObjectStore;

async function connect(): Promise<void> {
  client = new Client({ contactPoints: [node.address], localDataCenter: cluster.datacenter });
  await client.connect();
}

const insert = (from: number, to: number) => insertRows(client, keyspace, from, to);
const ids = () => rowIds(client, keyspace);

async function backup(name: string, mode: 'full' | 'differential') {
  const cql = await CqlSession.connect({ address: node.address });
  try {
    return await backupNode({
      backupName: name,
      mode,
      fqdn,
      prefix,
      dataDirectory: node.dataDir,
      store,
      control: new JolokiaControl({ url: node.jolokiaUrl }),
      metadata: cql,
      concurrency: 4,
      lockPath: join(runDir, `agent-restore-${process.pid}.lock`),
      logger: quiet,
    });
  } finally {
    await cql.close();
  }
}

function restoreOptions(backupName: string): RestoreNodeOptions {
  return {
    backupName,
    fqdn,
    prefix,
    store,
    dataDirectory: node.dataDir,
    commitlogDirectory: join(node.dir, 'data', 'commitlog'),
    cassandraYamlPath: node.configFile,
    inPlace: true,
    concurrency: 4,
    mustBeStopped: [{ host: node.address, port: node.cqlPort }],
    logger: quiet,
  };
}

/** Stops the node, restores, starts it again on the restored data. */
async function restoreWhileStopped(options: RestoreNodeOptions) {
  await client.shutdown();
  await cluster.stop();
  const result = await restoreNode(options);
  await cluster.start({ keepData: true });
  await connect();
  return result;
}

describe('agent restore-node (one-node cluster, local storage)', () => {
  beforeAll(async () => {
    await cluster.start();
    await connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    mkdirSync(localStorageDir, { recursive: true });
    store = new LocalObjectStore(localStorageDir, bucket);
  });

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await cluster.stop();
    rmSync(join(localStorageDir, bucket), { recursive: true, force: true });
  });

  it('refuses to restore while Cassandra is running, before touching anything', async () => {
    await insert(0, 10);
    await backup('guard', 'full');
    await expect(restoreNode(restoreOptions('guard'))).rejects.toThrow(
      `Cassandra is running (${node.address}:9042 answers): stop it before restoring`,
    );
    expect(await ids()).toEqual(range(0, 10));
  });

  it('full backup, truncate and write other rows, restore: exactly the backed-up rows are back', async () => {
    await insert(10, 100);
    await backup('full1', 'full');
    await client.execute(`TRUNCATE ${keyspace}.rows`);
    await insert(1000, 1010);
    expect(await ids()).toEqual(range(1000, 1010));

    const result = await restoreWhileStopped({ ...restoreOptions('full1'), restoreKey: 'restore-full1' });
    expect(result).toMatchObject({ skipped: false });
    expect(result.filesDownloaded).toBe(result.files);
    expect(await ids()).toEqual(range(0, 100));
    // The staging directory is gone; the marker records the restore.
    expect(existsSync(join(node.dir, 'data', 'medusa-restore-full1'))).toBe(false);
    expect(readFileSync(join(node.dir, 'data', '.last-restore'), 'utf8')).toBe('restore-full1');
  });

  it('a restarted init container does not restore twice', async () => {
    await insert(2000, 2005);
    await client.shutdown();
    await cluster.stop();
    const again = await restoreNode({ ...restoreOptions('full1'), restoreKey: 'restore-full1' });
    await cluster.start({ keepData: true });
    await connect();
    expect(again).toMatchObject({ skipped: true, reason: 'restore restore-full1 already done' });
    expect(await ids()).toEqual([...range(0, 100), ...range(2000, 2005)]);
  });

  it('the medusa-restore init container restores from its environment, once', async () => {
    await insert(3000, 3003);
    const ctx = new NodeContext(
      medusaConfig({
        storage: { storageProvider: 'local', bucketName: bucket, basePath: localStorageDir, prefix, fqdn },
        cassandra: { configFile: node.configFile },
        kubernetes: { enabled: true },
      }),
      'medusa.ini',
      quiet,
    );
    const env = {
      BACKUP_NAME: 'full1',
      RESTORE_KEY: 'k8s-key-1',
      RESTORE_MAPPING: JSON.stringify({ in_place: true, host_map: {} }),
      POD_NAME: 'dc1-default-sts-0',
    };
    expect(await restoreFromEnvironment(ctx, { POD_NAME: 'x' }, quiet)).toMatchObject({ restored: false });
    const elsewhere = { ...env, RESTORE_MAPPING: JSON.stringify({ in_place: false, host_map: {} }) };
    expect(await restoreFromEnvironment(ctx, elsewhere, quiet)).toEqual({
      restored: false,
      message: 'POD_NAME dc1-default-sts-0 not found in mapping',
    });

    await client.shutdown();
    await cluster.stop();
    const first = await restoreFromEnvironment(ctx, env, quiet);
    const second = await restoreFromEnvironment(ctx, env, quiet);
    await cluster.start({ keepData: true });
    await connect();
    // Nothing was prepared for this key: the node downloaded its backup (a staged one says "moved").
    expect(first).toMatchObject({ restored: true, staged: false });
    expect(first.message).toMatch(
      new RegExp(
        `^restored full1 from ${fqdn.replaceAll('.', '\\.')} \\(in place; downloaded [1-9]\\d* files\\)$`,
      ),
    );
    expect(second).toMatchObject({ restored: false, message: 'restore k8s-key-1 already done' });
    expect(await ids()).toEqual(range(0, 100));
  });

  it('differential backups: drop the table, restore the second one, get exactly its rows', async () => {
    await client.execute(`TRUNCATE ${keyspace}.rows`);
    await insert(0, 50);
    await backup('diff1', 'differential');
    await insert(50, 80);
    const second = await backup('diff2', 'differential');
    expect(second.filesReused).toBeGreaterThan(0);
    await client.execute(`DROP TABLE ${keyspace}.rows`);

    await restoreWhileStopped(restoreOptions('diff2'));
    expect(await ids()).toEqual(range(0, 80));
  });

  it('rejects a staged download whose content does not match the manifest checksum', async () => {
    // Corrupt one stored object of diff1 (same size, other bytes): the download check must catch it.
    const manifest = JSON.parse(
      (await store.readBytes(`it/${fqdn}/diff1/meta/manifest.json`)).toString(),
    ) as {
      keyspace: string;
      objects: { path: string; size: number }[];
    }[];
    const victim = manifest
      .find((s) => s.keyspace === keyspace)!
      .objects.find((o) => o.path.endsWith('-Data.db'))!;
    const path = join(localStorageDir, bucket, victim.path);
    const original = readFileSync(path);
    writeFileSync(path, Buffer.alloc(original.length, 0x42));
    try {
      await client.shutdown();
      await cluster.stop();
      await expect(restoreNode(restoreOptions('diff1'))).rejects.toThrow(
        `${victim.path}: checksum does not match the manifest`,
      );
    } finally {
      writeFileSync(path, original);
      await cluster.start({ keepData: true });
      await connect();
    }
    // Nothing on the node was touched by the failed restore.
    expect(await ids()).toEqual(range(0, 80));
  });
  it('restores table data into a recreated table (another id), keeping the current schema', async () => {
    const before = await CqlSession.connect({ address: node.address });
    const oldId = (await before.tableIds()).get(`${keyspace}.rows`);
    await before.close();
    await client.execute(`DROP TABLE ${keyspace}.rows`);
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    await insert(7000, 7005);
    const session = await CqlSession.connect({ address: node.address });
    const currentTableIds = await session.tableIds();
    await session.close();
    const newId = currentTableIds.get(`${keyspace}.rows`);
    expect(newId).not.toBe(oldId);
    await node.nodetool('flush');

    const result = await restoreWhileStopped({
      ...restoreOptions('diff2'),
      filter: { include: [keyspace] },
      currentTableIds,
    });
    expect(result.tables).toBe(1);
    expect(await ids()).toEqual(range(0, 80));
    const after = await CqlSession.connect({ address: node.address });
    expect((await after.tableIds()).get(`${keyspace}.rows`)).toBe(newId);
    await after.close();
  });
});
