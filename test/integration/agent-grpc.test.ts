import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Client } from 'cassandra-driver';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidecarGrpc } from '../../agent/grpc/server.js';
import { NodeContext } from '../../agent/cli/context.js';
import { agentMetrics, startHealthServer, type HealthServer } from '../../agent/pod/health.js';
import { preparedDir, readPrepared } from '../../agent/restore/staging.js';
import { createLogger } from '../../lib/log.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { medusa } from '../bed/medusa.js';
import { artefacts, runDir } from '../bed/paths.js';
import { localStorageDir } from '../bed/stores.js';
import { agentCassandraSection, localStorageSection } from '../support/agent-cli.js';
import { adminConfig, installCrds, testNamespace } from '../support/kube.js';

// Medusa's gRPC service as the sidecar serves it ([grpc] enabled), on a real node (127.0.0.161),
// driven by a @grpc/grpc-js client built from the medusa.proto of the cassandra-medusa 0.31 release
// in the test bed (what k8ssandra-operator's client is generated from); the real cassandra-medusa
// lists what the calls made.
const cluster = new CassandraCluster({ name: 'grpc', hosts: [161] });
const node = cluster.nodes[0]!;
const bucket = `grpc-${process.pid}`;
const workDir = join(runDir, `grpc-${process.pid}`);
let config = '';
let ctx: NodeContext | undefined;
let server: HealthServer | undefined;
let client: grpc.Client | undefined;
let namespace: { name: string; remove: () => Promise<void> } | undefined;

/** medusa.proto inside the release's virtualenv (lib/python3.x/site-packages/medusa/service/grpc). */
function medusaProto(): string {
  const lib = join(dirname(dirname(artefacts.medusa)), 'lib');
  const python = readdirSync(lib).find((d) => d.startsWith('python3'));
  return join(lib, python!, 'site-packages', 'medusa', 'service', 'grpc', 'medusa.proto');
}

interface Reply {
  error: grpc.ServiceError | null;
  response: Record<string, unknown> | undefined;
}
function call(method: string, request: object = {}): Promise<Reply> {
  const stub = client as unknown as Record<
    string,
    (r: object, cb: (e: grpc.ServiceError | null, r?: object) => void) => void
  >;
  return new Promise((resolve) =>
    stub[method]!.call(client, request, (error, response) =>
      resolve({ error, response: response as Record<string, unknown> | undefined }),
    ),
  );
}
async function ok(method: string, request: object = {}): Promise<Record<string, unknown>> {
  const { error, response } = await call(method, request);
  expect(error, `${method}: ${error?.details}`).toBeNull();
  return response!;
}

interface MedusaListing {
  name: string;
  started: number;
  finished: number | null;
  backup_type: string;
  size: number;
  num_objects: number;
  completed_nodes: number;
}
async function medusaBackups(): Promise<MedusaListing[]> {
  const listed = await medusa(config, ['list-backups', '--show-all', '--output', 'json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as MedusaListing[];
}

describe("Medusa's gRPC service on the sidecar, on a real node", () => {
  beforeAll(async () => {
    // This node's own node lock (<tmp>/medusa_backup_in_progress): other tests back up other nodes.
    process.env.TMPDIR = join(workDir, 'tmp');
    mkdirSync(process.env.TMPDIR, { recursive: true });
    mkdirSync(localStorageDir, { recursive: true });
    config = join(workDir, 'medusa.ini');
    writeFileSync(
      config,
      `${agentCassandraSection(cluster, 0)}
${localStorageSection({
  bucket,
  fqdn: node.address,
  extra: 'max_backup_count = 1\nbackup_grace_period_in_days = 0\nconcurrent_transfers = 2\n',
})}
[monitoring]
monitoring_provider = None

[grpc]
enabled = 1
`,
    );
    await cluster.start();
    const cql = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
    await cql.connect();
    try {
      await cql.execute(
        "CREATE KEYSPACE IF NOT EXISTS grpc WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
      );
      await cql.execute('CREATE TABLE IF NOT EXISTS grpc.t (id int PRIMARY KEY, v text)');
      for (let i = 0; i < 20; i++)
        await cql.execute('INSERT INTO grpc.t (id, v) VALUES (?, ?)', [i, `v${i}`], { prepare: true });
    } finally {
      await cql.shutdown();
    }
    // As agent/pod/main.ts starts it: the health server carrying what [grpc] asks for.
    const log = createLogger('medusa', { level: 'warn' });
    ctx = await NodeContext.load(config, {}, log);
    // PrepareRestore reads the namespace's MedusaRestoreJobs, as the sidecar's prepare_restore does.
    await installCrds();
    namespace = await testNamespace('grpc');
    const pod = { kc: adminConfig(), me: { pod: 'grpc-dc1-default-sts-0', namespace: namespace.name } };
    server = await startHealthServer('127.0.0.1', 0, () => true, (await sidecarGrpc(ctx, log, pod)).extras);
    const proto = protoLoader.loadSync(medusaProto(), { longs: String, enums: String, defaults: true });
    const Medusa = grpc.loadPackageDefinition(proto).Medusa as grpc.ServiceClientConstructor;
    client = new Medusa(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await server?.stop();
    await ctx?.close();
    await namespace?.remove();
    await cluster.stop();
    rmSync(preparedDir(dirname(node.dataDir), 'grpc-key'), { recursive: true, force: true });
    rmSync(join(localStorageDir, bucket), { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('Backup backs the node up and answers SUCCESS; BackupStatus then reports it in Medusa format', async () => {
    expect(await ok('Backup', { name: 'grpc-a', mode: 'FULL' })).toEqual({
      backupName: 'grpc-a',
      status: 'SUCCESS',
    });
    const status = await ok('BackupStatus', { backupName: 'grpc-a' });
    expect(status).toMatchObject({ status: 'SUCCESS' });
    expect(status.startTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(status.finishTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('AsyncBackup answers IN_PROGRESS at once, runs once, is not deleted while running; BackupStatus says IN_PROGRESS until SUCCESS', async () => {
    expect(await ok('AsyncBackup', { name: 'grpc-b', mode: 'DIFFERENTIAL' })).toEqual({
      backupName: 'grpc-b',
      status: 'IN_PROGRESS',
    });
    // While it runs, the same name asked again starts no second run (which would fail on the node
    // lock and show as FAILED below), and it is not deleted.
    expect(await ok('AsyncBackup', { name: 'grpc-b', mode: 'DIFFERENTIAL' })).toEqual({
      backupName: 'grpc-b',
      status: 'IN_PROGRESS',
    });
    expect(await ok('DeleteBackup', { name: 'grpc-b' })).toEqual({ name: 'grpc-b', status: 'FAILED' });
    const seen: unknown[] = [];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const status = (await ok('BackupStatus', { backupName: 'grpc-b' })).status;
      if (seen.at(-1) !== status) seen.push(status);
      if (status !== 'IN_PROGRESS' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toEqual(['IN_PROGRESS', 'SUCCESS']);
    // Both backups count in the sidecar's metrics, as its jobs' backups do.
    expect(agentMetrics.render()).toContain(
      'medusa_agent_operations_total{operation="backup",result="succeeded"} 2',
    );
  });

  it('GetBackups and GetBackup report what cassandra-medusa lists for the same backups', async () => {
    const { backups, overallStatus } = (await ok('GetBackups')) as {
      backups: Record<string, unknown>[];
      overallStatus: string;
    };
    expect(overallStatus).toBe('SUCCESS');
    const theirs = await medusaBackups();
    expect(theirs.map((b) => b.name)).toEqual(['grpc-a', 'grpc-b']);
    expect(backups.map((b) => b.backupName)).toEqual(['grpc-a', 'grpc-b']);
    for (const [i, m] of theirs.entries()) {
      expect(backups[i]).toMatchObject({
        backupName: m.name,
        startTime: String(m.started),
        finishTime: String(m.finished),
        backupType: m.backup_type,
        totalSize: String(m.size),
        totalObjects: String(m.num_objects),
        finishedNodes: m.completed_nodes,
        totalNodes: 1,
        status: 'SUCCESS',
      });
    }
    // The node's tokens, exact (64-bit), as cassandra-medusa's fetch-tokenmap prints them.
    const tokenmap = await medusa(config, ['fetch-tokenmap', '--backup-name', 'grpc-a']);
    const nodes = backups[0]!.nodes as { host: string; tokens: string[]; datacenter: string; rack: string }[];
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ host: node.address, datacenter: cluster.datacenter });
    expect(tokenmap.stdout).toBe(`${node.address}\n[${nodes[0]!.tokens.join(', ')}]\n`);

    expect(await ok('GetBackup', { backupName: 'grpc-b' })).toEqual({
      backup: backups[1],
      status: 'SUCCESS',
    });
    const unknown = await call('GetBackup', { backupName: 'grpc-nope' });
    expect(unknown.error).toMatchObject({
      code: grpc.status.INTERNAL,
      details: "Failed to get backup due to error: 'The backup grpc-nope does not exist'",
    });
    const noStatus = await call('BackupStatus', { backupName: 'grpc-nope' });
    expect(noStatus.error).toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: 'backup <grpc-nope> does not exist',
    });
  });

  it('DeleteBackup and PurgeBackups (max_backup_count = 1) remove what cassandra-medusa then no longer lists', async () => {
    // Medusa's server answers UNKNOWN once a backup is deleted.
    expect(await ok('DeleteBackup', { name: 'grpc-a' })).toEqual({ name: 'grpc-a', status: 'UNKNOWN' });
    const unknown = await call('DeleteBackup', { name: 'grpc-nope' });
    expect(unknown.error).toMatchObject({
      code: grpc.status.INTERNAL,
      details: 'deleting backups failed: The backup grpc-nope does not exist',
    });
    expect(await ok('Backup', { name: 'grpc-c', mode: 'DIFFERENTIAL' })).toMatchObject({ status: 'SUCCESS' });

    const purged = await ok('PurgeBackups');
    expect(purged).toMatchObject({ nbBackupsPurged: 1 });
    expect(Number(purged.nbObjectsPurged)).toBeGreaterThan(0);
    expect(Number(purged.totalPurgedSize)).toBeGreaterThan(0);

    const left = (await ok('GetBackups')).backups as { backupName: string }[];
    expect(left.map((b) => b.backupName)).toEqual(['grpc-c']);
    expect((await medusaBackups()).map((b) => b.name)).toEqual(['grpc-c']);
  });

  it("PrepareRestore stages this node's backup under the restore key, as the MedusaTask prepare_restore does", async () => {
    expect(
      await ok('PrepareRestore', {
        backupName: 'grpc-c',
        datacenter: cluster.datacenter,
        restoreKey: 'grpc-key',
      }),
    ).toEqual({});
    const yaml = await ctx!.yaml();
    const marker = await readPrepared(preparedDir(dirname(yaml.dataDirectory), 'grpc-key'));
    expect(marker).toMatchObject({
      restoreKey: 'grpc-key',
      backup: 'grpc-c',
      fqdn: node.address,
      inPlace: true,
    });
    expect(marker!.files).toBeGreaterThan(0);
    const unknown = await call('PrepareRestore', {
      backupName: 'grpc-nope',
      datacenter: cluster.datacenter,
      restoreKey: 'grpc-nope',
    });
    expect(unknown.error?.code).toBe(grpc.status.INTERNAL);
    expect(unknown.error?.details).toMatch(/^Failed to prepare restore: /);
  });
});
