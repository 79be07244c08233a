import { Client } from 'cassandra-driver';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupNode, type BackupNodeOptions } from '../../agent/backup/backup-node.js';
import { parseTokenMap } from '../../agent/backup/medusa-json.js';
import { parseManifest } from '../../lib/storage/repository/manifest.js';
import { Catalog } from '../../agent/catalog/catalog.js';
import { verifyBackup } from '../../agent/verify/verify.js';
import type { Progress } from '../../agent/backup/progress.js';
import { CqlSession } from '../../agent/cassandra/cql.js';
import { JolokiaControl } from '../../agent/cassandra/jolokia.js';
import { LocalObjectStore } from '../../agent/storage/local-store.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { artefacts, runDir } from '../bed/paths.js';
import { localStorageDir } from '../bed/stores.js';
import { insertRows } from '../support/rows.js';

// Node backups by the agent on a one-node cluster of its own (127.0.0.5), to local storage, read
// back by the real cassandra-medusa to prove the layout is Medusa's.
const run = promisify(execFile);
const cluster = new CassandraCluster({ name: 'agent-backup', hosts: [5] });
const node = cluster.nodes[0]!;
const bucket = `agent-backup-${process.pid}`;
const prefix = 'it';
const fqdn = node.address;
const keyspace = 'agent_backup';
let client: Client;
let cql: CqlSession;
let store: LocalObjectStore;
const lockPath = join(runDir, `agent-backup-${process.pid}.lock`);

const insert = (from: number, to: number) => insertRows(client, keyspace, from, to);

function options(backupName: string, mode: 'full' | 'differential'): BackupNodeOptions {
  return {
    backupName,
    mode,
    fqdn,
    prefix,
    dataDirectory: node.dataDir,
    store,
    control: new JolokiaControl({ url: node.jolokiaUrl }),
    metadata: cql,
    concurrency: 4,
    localStorageDir,
    lockPath,
  };
}

/** Runs the real cassandra-medusa against the same bucket; resolves with stdout. */
async function medusa(...args: string[]): Promise<string> {
  const config = join(runDir, `agent-backup-${process.pid}.ini`);
  writeFileSync(
    config,
    `[cassandra]\nconfig_file = ${node.configFile}\nresolve_ip_addresses = False\nuse_sudo = False\n` +
      `nodetool_executable = ${artefacts.nodetool}\nnodetool_host = 127.0.0.1\nnodetool_port = ${node.jmxPort}\n` +
      `[storage]\nstorage_provider = local\nbase_path = ${localStorageDir}\nbucket_name = ${bucket}\n` +
      `prefix = ${prefix}\nfqdn = ${fqdn}\nuse_sudo_for_restore = False\n`,
  );
  const { stdout } = await run(artefacts.medusa, ['--config-file', config, ...args], { timeout: 120_000 });
  return stdout;
}

describe('agent node backup (one-node cluster, local storage)', () => {
  beforeAll(async () => {
    await cluster.start();
    client = new Client({ contactPoints: [node.address], localDataCenter: cluster.datacenter });
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    await client.execute(`CREATE INDEX rows_value_idx ON ${keyspace}.rows (value)`);
    await insert(0, 100);
    cql = await CqlSession.connect({ address: node.address });
    mkdirSync(localStorageDir, { recursive: true });
    store = new LocalObjectStore(localStorageDir, bucket);
  });

  afterAll(async () => {
    await cql?.close();
    await client?.shutdown();
    await cluster.stop();
    rmSync(join(localStorageDir, bucket), { recursive: true, force: true });
  });

  it('writes a full backup in Medusa layout that cassandra-medusa lists as complete', async () => {
    // A snapshot left by a crashed run: the backup clears it.
    await node.nodetool('snapshot', '-t', 'medusa-crashed-run', keyspace);
    const events: Progress[] = [];
    const result = await backupNode({ ...options('full1', 'full'), onProgress: (p) => events.push(p) });

    expect(result).toMatchObject({
      mode: 'full',
      filesReused: 0,
      staleSnapshotsCleared: ['medusa-crashed-run'],
    });
    expect(result.filesUploaded).toBe(result.files);
    expect(
      readdirSync(join(node.dataDir, keyspace)).flatMap((t) => {
        const dir = join(node.dataDir, keyspace, t, 'snapshots');
        return existsSync(dir) ? readdirSync(dir) : [];
      }),
    ).toEqual([]);
    expect(events.at(-1)).toMatchObject({
      bytesDone: result.bytes,
      filesDone: result.files,
      bytesTotal: result.bytes,
    });

    const manifest = parseManifest((await store.readBytes(`it/${fqdn}/full1/meta/manifest.json`)).toString());
    expect(manifest.some((s) => s.keyspace === 'system_traces')).toBe(false);
    const rows = manifest.find((s) => s.keyspace === keyspace && s.columnfamily.startsWith('rows-'))!;
    expect(rows.objects.some((o) => o.path.includes(`/.rows_value_idx/`))).toBe(true);
    for (const object of rows.objects) {
      expect(object.path.startsWith(`it/${fqdn}/full1/data/${keyspace}/${rows.columnfamily}/`)).toBe(true);
      expect(object.MD5).toMatch(/^[0-9a-f]{32}$/);
      expect((await store.head(object.path))?.size).toBe(object.size);
    }
    expect(parseTokenMap((await store.readBytes(`it/${fqdn}/full1/meta/tokenmap.json`)).toString())).toEqual({
      [fqdn]: { tokens: ['-9223372036854775808'], is_up: true, rack: 'rack1', dc: 'dc1' },
    });
    const index = (await store.list('it/index/backup_index/full1/')).map((o) => o.key.split('/').at(-1));
    expect(index).toEqual([
      `finished_${fqdn}_${result.finishedEpoch}.timestamp`,
      `manifest_${fqdn}.json`,
      `schema_${fqdn}.cql`,
      `started_${fqdn}_${result.startedEpoch}.timestamp`,
      `tokenmap_${fqdn}.json`,
    ]);
    expect((await store.readBytes(`it/index/latest_backup/${fqdn}/backup_name.txt`)).toString()).toBe(
      'full1',
    );

    const listed = JSON.parse(await medusa('list-backups', '--show-all', '--output', 'json')) as Record<
      string,
      unknown
    >[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      name: 'full1',
      backup_type: 'full',
      completed_nodes: 1,
      incomplete_nodes: 0,
      missing_nodes: 0,
      num_objects: result.files,
      size: result.bytes,
    });
    expect(await medusa('verify', '--backup-name', 'full1')).toContain('Validating full1');
  });

  it('refuses a second backup of the same name', async () => {
    await expect(backupNode(options('full1', 'full'))).rejects.toThrow(
      `backup full1 already exists for node ${fqdn}`,
    );
  });

  it('differential backups upload only the SSTables the pool does not have', async () => {
    const first = await backupNode(options('diff1', 'differential'));
    expect(first.filesReused).toBe(0);

    await insert(100, 150);
    await node.nodetool('flush', keyspace);
    const second = await backupNode(options('diff2', 'differential'));
    // Only the newly flushed SSTables of our table and its index are new; every other file is reused.
    const manifest = parseManifest((await store.readBytes(`it/${fqdn}/diff2/meta/manifest.json`)).toString());
    const keys = manifest.flatMap((s) => s.objects.map((o) => o.path));
    const previous = new Set(
      parseManifest((await store.readBytes(`it/${fqdn}/diff1/meta/manifest.json`)).toString()).flatMap((s) =>
        s.objects.map((o) => o.path),
      ),
    );
    // Exactly the files the pool did not have were uploaded: our new SSTables (table and index) and
    // whatever system tables the snapshot's flush wrote.
    const added = keys.filter((key) => !previous.has(key));
    expect(second.filesUploaded).toBe(added.length);
    expect(second.filesReused).toBe(keys.length - added.length);
    const ours = added.filter((key) => key.includes(`/${keyspace}/rows-`));
    expect(ours.some((key) => key.includes('/.rows_value_idx/'))).toBe(true);
    expect(ours.length).toBeGreaterThanOrEqual(2);
    expect(added.filter((key) => !ours.includes(key)).every((key) => key.includes('/system'))).toBe(true);
    expect(second.files).toBe(keys.length);
    for (const key of keys) expect(key.startsWith(`it/${fqdn}/data/`)).toBe(true);
    expect(await store.head(`it/${fqdn}/diff2/meta/differential`)).toBeDefined();
    expect(await store.head(`it/index/backup_index/diff2/differential_${fqdn}`)).toBeDefined();

    const listed = JSON.parse(await medusa('list-backups', '--show-all', '--output', 'json')) as {
      name: string;
      backup_type: string;
      completed_nodes: number;
    }[];
    expect(listed.map((b) => [b.name, b.backup_type, b.completed_nodes])).toEqual([
      ['full1', 'full', 1],
      ['diff1', 'differential', 1],
      ['diff2', 'differential', 1],
    ]);
    expect(await medusa('verify', '--backup-name', 'diff2')).toContain('Validating diff2');
  });
  it('reads backups written by cassandra-medusa and reuses their pool files', async () => {
    await insert(150, 170);
    const medusaBackup = await medusa('backup', '--backup-name', 'py1', '--mode', 'differential');
    expect(medusaBackup).toBeDefined();
    const catalog = new Catalog(store, prefix);
    const py1 = await catalog.clusterBackup('py1');
    expect(py1).toMatchObject({ complete: true, differential: true, completedNodes: [fqdn] });
    expect(await verifyBackup(catalog, 'py1', true)).toMatchObject({ ok: true, errors: [] });

    // Nothing changed since: the agent's next differential backup reuses what Medusa uploaded.
    const next = await backupNode(options('after-py1', 'differential'));
    const pyManifest = parseManifest((await store.readBytes(`it/${fqdn}/py1/meta/manifest.json`)).toString());
    const pyKeys = new Set(pyManifest.flatMap((s) => s.objects.map((o) => o.path)));
    const ours = parseManifest((await store.readBytes(`it/${fqdn}/after-py1/meta/manifest.json`)).toString());
    const userTable = ours.find((s) => s.keyspace === keyspace && s.columnfamily.startsWith('rows-'))!;
    expect(userTable.objects.every((o) => pyKeys.has(o.path))).toBe(true);
    expect(next.filesReused).toBeGreaterThan(0);
  });

  it('backs up only the selected keyspaces and tables', async () => {
    const result = await backupNode({
      ...options('only-ours', 'full'),
      filter: { include: [keyspace, 'system_schema.tables'], exclude: [] },
    });
    const manifest = parseManifest(
      (await store.readBytes(`it/${fqdn}/only-ours/meta/manifest.json`)).toString(),
    );
    expect(manifest.map((s) => `${s.keyspace}.${s.columnfamily.split('-')[0]}`).sort()).toEqual([
      `${keyspace}.rows`,
      'system_schema.tables',
    ]);
    expect(result.tables).toBe(2);
  });
});
