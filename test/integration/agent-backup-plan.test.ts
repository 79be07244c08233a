import { Client } from 'cassandra-driver';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupNode, type BackupNodeOptions } from '../../agent/backup/backup-node.js';
import { listedUploadsLimit, planNodeBackup } from '../../agent/backup/plan.js';
import { CqlSession } from '../../agent/cassandra/cql.js';
import { JolokiaControl } from '../../agent/cassandra/jolokia.js';
import { LocalObjectStore } from '../../agent/storage/local-store.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { runDir } from '../bed/paths.js';
import { insertRows } from '../support/rows.js';

// The plan fields that the end-to-end plan test (MinIO, few files) cannot show, on a real node
// with local storage: storageFreeBytes and its problem on a small filesystem, reuploadFiles for a
// pool object whose size changed in storage, and uploadsOmitted past the listed-uploads limit.
const cluster = new CassandraCluster({ name: 'agent-plan', hosts: [71] });
const node = cluster.nodes[0]!;
const keyspace = 'agent_plan';
const bucket = `agent-plan-${process.pid}`;
const storageDir = join(runDir, 'storage', `agent-plan-${process.pid}`);
const smallDir = join(runDir, `agent-plan-small-${process.pid}`);
const lockPath = join(runDir, `agent-plan-${process.pid}.lock`);
let client: Client;
let cql: CqlSession;
let control: JolokiaControl;

function options(
  backupName: string,
  mode: 'full' | 'differential',
  dir = storageDir,
  filter: BackupNodeOptions['filter'] = { include: [keyspace] },
): BackupNodeOptions {
  return {
    backupName,
    mode,
    fqdn: node.address,
    prefix: 'plan',
    dataDirectory: node.dataDir,
    store: new LocalObjectStore(dir, bucket),
    control,
    metadata: cql,
    filter,
    concurrency: 2,
    localStorageDir: dir,
    lockPath,
  };
}

describe('backup plan fields on a real node (local storage)', () => {
  beforeAll(async () => {
    await cluster.start();
    client = new Client({ contactPoints: [node.address], localDataCenter: cluster.datacenter });
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    await insertRows(client, keyspace, 0, 2000);
    cql = await CqlSession.connect({ address: node.address });
    control = new JolokiaControl({ url: node.jolokiaUrl });
    await control.flush([keyspace]);
    mkdirSync(storageDir, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await cql?.close();
    await client?.shutdown();
    await cluster.stop();
    try {
      execFileSync('umount', [smallDir]);
    } catch {
      // not mounted
    }
    rmSync(smallDir, { recursive: true, force: true });
    rmSync(storageDir, { recursive: true, force: true });
  });

  it('reports the free bytes of local storage, and a problem when the upload does not fit', async () => {
    const plan = await planNodeBackup(options('fits', 'full'));
    const free = await statfs(storageDir);
    expect(plan.storageFreeBytes).toBeGreaterThan(0);
    // Within 64 MiB of what the filesystem reports now (other tests write beside us).
    expect(Math.abs(plan.storageFreeBytes! - free.bavail * free.bsize)).toBeLessThan(64 * 2 ** 20);
    expect(plan.problems).toEqual([]);

    // A real 32 KiB filesystem cannot hold the table's SSTables.
    mkdirSync(smallDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', smallDir]);
    const small = await planNodeBackup(options('small', 'full', smallDir));
    expect(small.uploadBytes).toBeGreaterThan(32 * 1024);
    expect(small.storageFreeBytes).toBeLessThanOrEqual(32 * 1024);
    expect(small.problems).toContainEqual(
      `local storage has ${small.storageFreeBytes} bytes free in ${smallDir}; the backup uploads ${small.uploadBytes}`,
    );
    // The plan wrote nothing but its probe, which it deleted.
    expect(readdirSync(smallDir).flatMap((d) => readdirSync(join(smallDir, d)))).toEqual([]);
  }, 120_000);

  it('counts a pool object whose size changed in storage as a re-upload', async () => {
    await backupNode(options('base', 'differential'));
    const planBefore = await planNodeBackup(options('next', 'differential'));
    expect(planBefore.uploadFiles).toBe(0);
    expect(planBefore.reuploadFiles).toBe(0);

    // Damage one pool object's size: the backup would upload that file again.
    const poolDir = join(storageDir, bucket, 'plan', node.address, 'data', keyspace);
    const [tableDir] = readdirSync(poolDir);
    const dataFile = readdirSync(join(poolDir, tableDir!)).find((f) => f.endsWith('-Data.db'))!;
    appendFileSync(join(poolDir, tableDir!, dataFile), 'x');
    const plan = await planNodeBackup(options('next', 'differential'));
    expect(plan.reuploadFiles).toBe(1);
    expect(plan.uploadFiles).toBe(1);
    expect(plan.uploads.map((u) => u.path)).toEqual([`${keyspace}/${tableDir}/${dataFile}`]);
  }, 180_000);

  it(`lists at most ${listedUploadsLimit} uploads and counts the rest as omitted`, async () => {
    // 70 tables with one SSTable each (8 component files): more files than the status may list.
    for (let t = 0; t < 70; t++) {
      await client.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.many_${t} (id int PRIMARY KEY, v int)`);
      await client.execute(`INSERT INTO ${keyspace}.many_${t} (id, v) VALUES (1, ${t})`);
    }
    await control.flush([keyspace]);
    const plan = await planNodeBackup(options('many', 'full'));
    expect(plan.uploadFiles).toBeGreaterThan(listedUploadsLimit);
    expect(plan.uploads).toHaveLength(listedUploadsLimit);
    expect(plan.uploadsOmitted).toBe(plan.uploadFiles - listedUploadsLimit);
    expect(plan.uploads.reduce((sum, u) => sum + u.size, 0)).toBeLessThanOrEqual(plan.uploadBytes);
  }, 300_000);
});
