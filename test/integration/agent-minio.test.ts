import { Client } from 'cassandra-driver';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '../../lib/storage/index.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { artefacts, runDir } from '../bed/paths.js';
import { minio } from '../bed/stores.js';
import { agentCassandraSection, runAgent, runTool } from '../support/agent-cli.js';
import { insertRows, range, rowIds } from '../support/rows.js';

// The agent against MinIO (s3_compatible, multipart forced by a tiny threshold): full and differential
// backups, restore with Cassandra stopped, verify with md5 checks, all through medusa-agent and a
// medusa.ini; the real cassandra-medusa lists and verifies the same bucket.
const cluster = new CassandraCluster({ name: 'agent-minio', hosts: [7] });
const node = cluster.nodes[0]!;
const bucket = `agent-minio-${process.pid}`;
const keyspace = 'agent_minio';
const workDir = join(runDir, `agent-minio-${process.pid}`);
const configFile = join(workDir, 'medusa.ini');
let client: Client | undefined;

const agent = (...args: string[]) => runAgent('--config-file', configFile, ...args);
const medusa = (...args: string[]) => runTool(artefacts.medusa, ['--config-file', configFile, ...args]);

async function connect(): Promise<void> {
  client = new Client({ contactPoints: [node.address], localDataCenter: cluster.datacenter });
  await client.connect();
}

const insert = (from: number, to: number) =>
  insertRows(client!, keyspace, from, to, { value: () => 'x'.repeat(2000) });
const ids = () => rowIds(client!, keyspace);

async function storage(): Promise<Storage> {
  return Storage.open({
    provider: 's3_compatible',
    bucket,
    endpoint: minio.endpoint,
    region: minio.region,
    addressingStyle: 'path',
    keyFile: join(workDir, 'credentials'),
  });
}

// Each test starts medusa-agent or cassandra-medusa 3-5 times and restarts Cassandra: about 2 min on
// a quiet machine, but over the 180 s default on a loaded one (tsx alone took 20 s to start the agent
// at load 14). A test that times out leaves its agent running (restore-node may have stopped Cassandra):
// the next test's backup then fails with exit 1, as seen once. Each test gets 10 min instead.
describe('medusa-agent with MinIO (s3_compatible)', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    mkdirSync(workDir, { recursive: true });
    writeFileSync(
      join(workDir, 'credentials'),
      `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
    );
    writeFileSync(
      configFile,
      `${agentCassandraSection(cluster, 0)}
[storage]
storage_provider = s3_compatible
host = ${minio.host}
port = ${minio.port}
secure = False
region = ${minio.region}
s3_addressing_style = path
bucket_name = ${bucket}
key_file = ${join(workDir, 'credentials')}
prefix = minio
fqdn = ${node.address}
use_sudo_for_restore = False
multi_part_upload_threshold = 1024
multipart_chunksize = 5MB
concurrent_transfers = 4
`,
    );
    const s = await storage();
    await s.ensureBucket();
    await s.close();
    await cluster.start();
    await connect();
    await client!.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client!.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client!.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
  });

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await cluster.stop();
    const s = await storage();
    for (const object of await s.list('')) await s.delete(object.key);
    await s.removeBucket().catch(() => undefined);
    await s.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('full backup, truncate, restore-node: exactly the backed-up rows; verify with md5 checks', async () => {
    await insert(0, 40);
    const backup = await agent('backup', '--backup-name', 'm-full', '--mode', 'full');
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^Backup m-full of 127\.0\.0\.7 finished \(full\)/);

    const verify = await agent('verify', '--backup-name', 'm-full', '--enable-md5-checks');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/- Completed: OK, \d+ files checked/);

    await client!.execute(`TRUNCATE ${keyspace}.rows`);
    await insert(900, 905);
    await client!.shutdown();
    client = undefined;
    const restore = await agent('restore-node', '--backup-name', 'm-full');
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(/^Restored m-full \(node 127\.0\.0\.7\): \d+ tables/);
    await connect();
    expect(await ids()).toEqual(range(0, 40));
  });

  it('a second differential backup uploads only the new SSTables; cassandra-medusa agrees', async () => {
    const first = await agent('backup', '--backup-name', 'm-diff1', '--mode', 'differential');
    expect(first.code).toBe(0);
    await insert(40, 60);
    const second = await agent('backup', '--backup-name', 'm-diff2', '--mode', 'differential');
    expect(second.code).toBe(0);
    const uploaded = Number(/uploaded (\d+) files/.exec(second.stdout)?.[1]);
    const unchanged = Number(/(\d+) unchanged/.exec(second.stdout)?.[1]);
    expect(unchanged).toBeGreaterThan(0);
    expect(uploaded).toBeGreaterThan(0);
    expect(uploaded).toBeLessThan(unchanged);

    const listed = await medusa('list-backups');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/m-full \(started: .*, finished: \d{4}-/);
    expect(listed.stdout).toMatch(/m-diff2 \(started: .*, finished: \d{4}-/);
    const verified = await medusa('verify', '--backup-name', 'm-diff2');
    expect(verified.code).toBe(0);
    const status = await agent('status', '--backup-name', 'm-diff2', '-o', 'json');
    expect(JSON.parse(status.stdout)).toMatchObject({ backup_type: 'differential', completed_nodes: 1 });
  });
});
