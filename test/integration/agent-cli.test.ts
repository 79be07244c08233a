import { Client } from 'cassandra-driver';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraCluster } from '../bed/cassandra.js';
import { artefacts, runDir } from '../bed/paths.js';
import { localStorageDir } from '../bed/stores.js';
import { agentCassandraSection, localStorageSection, runAgent } from '../support/agent-cli.js';
import { insertRows, range, rowIds } from '../support/rows.js';

// Every medusa-agent command against a 3-node cluster of its own (127.0.0.15-17), each node with its
// own medusa.ini, local storage; then the backup restored onto a fresh 3-node cluster.
const clusterA = new CassandraCluster({ name: 'agent-cli', hosts: [15, 16, 17] });
const clusterB = new CassandraCluster({ name: 'agent-cli-fresh', hosts: [15, 16, 17] });
const bucket = `agent-cli-${process.pid}`;
const keyspace = 'agent_cli';
const workDir = join(runDir, `agent-cli-${process.pid}`);
let client: Client | undefined;

/** medusa.ini of one node; stop_cmd/start_cmd drive the test bed's JVM for that node. */
function writeConfig(cluster: CassandraCluster, index: number, extra = ''): string {
  const node = cluster.nodes[index]!;
  const path = join(workDir, `${cluster.name}-${node.address}${extra ? '-extra' : ''}.ini`);
  writeFileSync(
    path,
    `${agentCassandraSection(cluster, index)}
${localStorageSection({ bucket, fqdn: node.address, prefix: 'cli', extra: `concurrent_transfers = 4\n${extra}` })}`,
  );
  return path;
}

const nodeConfigs = (cluster: CassandraCluster) =>
  cluster.nodes.flatMap((node, i) => ['--node-config', `${node.address}=${writeConfig(cluster, i)}`]);

async function connect(cluster: CassandraCluster): Promise<Client> {
  await client?.shutdown().catch(() => undefined);
  client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
  await client.connect();
  return client;
}

// Consistency ALL (5) both ways: every replica has every row before the snapshot.
const insert = (from: number, to: number) =>
  insertRows(client!, keyspace, from, to, { query: { consistency: 5 } });
const ids = () => rowIds(client!, keyspace, { consistency: 5 });

describe('medusa-agent CLI on a 3-node cluster', () => {
  beforeAll(async () => {
    mkdirSync(workDir, { recursive: true });
    mkdirSync(localStorageDir, { recursive: true });
    await clusterA.start();
    await connect(clusterA);
    await client!.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client!.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}`,
    );
    await client!.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    await insert(0, 60);
  });

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await clusterA.stop();
    await clusterB.stop();
    rmSync(join(localStorageDir, bucket), { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  const seedConfig = () => writeConfig(clusterA, 0);

  it('backup-cluster backs up every node; list-backups, status and verify report it', async () => {
    const backup = await runAgent(
      '--config-file',
      seedConfig(),
      'backup-cluster',
      '--backup-name',
      'c1',
      '--mode',
      'full',
      ...nodeConfigs(clusterA),
    );
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout.trim().split('\n')).toHaveLength(3);
    for (const node of clusterA.nodes)
      expect(backup.stdout).toMatch(
        new RegExp(`Backup c1 of ${node.address.replace(/\./g, '\\.')} finished \\(full\\)`),
      );

    const listed = await runAgent('--config-file', seedConfig(), 'list-backups');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^c1 \(started: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, finished: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)\n$/,
    );
    const json = JSON.parse(
      (await runAgent('--config-file', seedConfig(), 'list-backups', '-o', 'json')).stdout,
    ) as Record<string, unknown>[];
    expect(json[0]).toMatchObject({ name: 'c1', backup_type: 'full', completed_nodes: 3, missing_nodes: 0 });

    const status = await runAgent('--config-file', seedConfig(), 'status', '--backup-name', 'c1');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('- 3 nodes completed, 0 nodes incomplete, 0 nodes missing');
    const unknown = await runAgent('--config-file', seedConfig(), 'status', '--backup-name', 'nope');
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: No such backup: nope\n' });

    const verify = await runAgent(
      '--config-file',
      seedConfig(),
      'verify',
      '--backup-name',
      'c1',
      '--enable-md5-checks',
    );
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/- Completed: OK, \d+ files checked/);

    // The real cassandra-medusa reads the same bucket and agrees.
    const medusa = await new Promise<string>((resolve, reject) =>
      execFile(artefacts.medusa, ['--config-file', seedConfig(), 'list-backups'], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(medusa).toMatch(/^c1 \(started: .*, finished: \d{4}-/);
  });

  it('verify fails with exit 1 and names a missing file', async () => {
    const manifest = JSON.parse(
      readFileSync(join(localStorageDir, bucket, `cli/127.0.0.16/c1/meta/manifest.json`), 'utf8'),
    ) as {
      keyspace: string;
      objects: { path: string }[];
    }[];
    const victim = manifest.flatMap((s) => s.objects).find((o) => o.path.endsWith('-Data.db'))!.path;
    const path = join(localStorageDir, bucket, victim);
    const saved = readFileSync(path);
    rmSync(path);
    try {
      const verify = await runAgent('--config-file', seedConfig(), 'verify', '--backup-name', 'c1');
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain(`${victim}: missing from storage`);
      expect(verify.stdout).toContain('- Manifest validation failed: 1 problems');
    } finally {
      writeFileSync(path, saved);
    }
  });

  it('backup (one node) makes an incomplete cluster backup, shown as such', async () => {
    const one = await runAgent(
      '--config-file',
      seedConfig(),
      'backup',
      '--backup-name',
      'n1',
      '--mode',
      'differential',
    );
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^Backup n1 of 127\.0\.0\.15 finished \(differential\)/);
    const listed = await runAgent('--config-file', seedConfig(), 'list-backups');
    expect(listed.stdout).toContain('n1 (started: ');
    expect(listed.stdout).toContain('finished: Incomplete [1 of 3 nodes finished])');
    const verify = await runAgent('--config-file', seedConfig(), 'verify', '--backup-name', 'n1');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('node 127.0.0.16 has no backup');
    const again = await runAgent('--config-file', seedConfig(), 'backup', '--backup-name', 'n1');
    expect(again).toMatchObject({ code: 1, stderr: 'error: backup n1 already exists for node 127.0.0.15\n' });
  });

  it('restore-cluster in place brings back exactly the rows of the differential backup', async () => {
    await insert(60, 90);
    const backup = await runAgent(
      '--config-file',
      seedConfig(),
      'backup-cluster',
      '--backup-name',
      'c2',
      ...nodeConfigs(clusterA),
    );
    expect(backup.code).toBe(0);
    await client!.execute(`TRUNCATE ${keyspace}.rows`);
    await insert(500, 510);
    await client!.shutdown();
    client = undefined;

    const restore = await runAgent(
      '--config-file',
      seedConfig(),
      'restore-cluster',
      '--backup-name',
      'c2',
      ...nodeConfigs(clusterA),
    );
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('Restored c2 in place:');
    await clusterA.waitForAllUp();
    await connect(clusterA);
    expect(await ids()).toEqual(range(0, 90));
  });

  it('purge keeps exactly what max_backup_count says, and the kept backup still verifies', async () => {
    const config = writeConfig(clusterA, 0, 'max_backup_count = 1\nbackup_grace_period_in_days = 0\n');
    const purged = await runAgent('--config-file', config, 'purge');
    expect(purged.code).toBe(0);
    // Node 127.0.0.15 had c1 (full), n1 and c2 (differential): the two oldest go.
    expect(purged.stdout).toMatch(/^Purged 2 backups \(c1, n1\), \d+ objects/);
    expect(existsSync(join(localStorageDir, bucket, 'cli/127.0.0.15/c1'))).toBe(false);
    expect(existsSync(join(localStorageDir, bucket, 'cli/127.0.0.15/n1'))).toBe(false);
    expect(existsSync(join(localStorageDir, bucket, 'cli/127.0.0.16/c1'))).toBe(true);
    const listed = await runAgent('--config-file', config, 'list-backups', '--show-all');
    expect(listed.stdout).toContain('c1 (started: ');
    expect(listed.stdout).toContain('finished: Incomplete [2 of 3 nodes finished])');
    expect(listed.stdout).not.toContain('n1 (');
    const verify = await runAgent('--config-file', config, 'verify', '--backup-name', 'c2');
    expect(verify.code).toBe(0);
    const again = await runAgent('--config-file', config, 'purge');
    expect(again.stdout).toMatch(/^Purged 0 backups, 0 objects/);
  });

  it('restore-cluster --remote restores the 3-node backup onto a fresh 3-node cluster', async () => {
    await client?.shutdown();
    client = undefined;
    await clusterA.stop();
    await clusterB.start();
    const restore = await runAgent(
      '--config-file',
      writeConfig(clusterB, 0),
      'restore-cluster',
      '--backup-name',
      'c2',
      '--remote',
      ...nodeConfigs(clusterB),
    );
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('Restored c2 into another cluster:');
    await clusterB.waitForAllUp();
    await connect(clusterB);
    expect(await ids()).toEqual(range(0, 90));
    const name = await client!.execute('SELECT cluster_name FROM system.local');
    expect(name.first()?.cluster_name).toBe('agent-cli-fresh');
    // Six Cassandra starts (a fresh cluster, then every node again after the restore): 180 s ran
    // out at load 15-18 on this 2-core machine.
  }, 420_000);
});
