import { Client } from 'cassandra-driver';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JolokiaControl } from '../../agent/cassandra/jolokia.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { repoRoot, runDir } from '../bed/paths.js';
import { logFile, waitUntil } from '../bed/proc.js';
import { SshServer } from '../bed/sshd.js';
import { localStorageDir } from '../bed/stores.js';
import { agentCassandraSection, localStorageSection, runAgent } from '../support/agent-cli.js';
import { insertRows, range, rowIds } from '../support/rows.js';

// backup-cluster and restore-cluster as on Linux hosts: the command runs on one node (127.0.0.13)
// and reaches the other (127.0.0.14) over SSH, through a real OpenSSH sshd, where the agent runs
// with that node's own medusa.ini, as cassandra-medusa fans out over SSH.
const cluster = new CassandraCluster({ name: 'agent-ssh', hosts: [13, 14] });
const [self, other] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
const sshd = new SshServer('agent-ssh', cluster.contactPoints);
const bucket = `agent-ssh-${process.pid}`;
const keyspace = 'agent_ssh';
const workDir = join(runDir, `agent-ssh-${process.pid}`);
const remoteAgent = join(workDir, 'medusa-agent');
let client: Client;

/** Each "host" keeps its medusa.ini at the same relative place, nodes/<address>/medusa.ini. */
const nodeDir = (address: string) => join(workDir, 'nodes', address);

function writeNodeConfigs(): void {
  cluster.nodes.forEach((node, index) => {
    mkdirSync(nodeDir(node.address), { recursive: true });
    writeFileSync(
      join(nodeDir(node.address), 'medusa.ini'),
      `${agentCassandraSection(cluster, index)}
${localStorageSection({ bucket, fqdn: node.address })}`,
    );
  });
  // The agent as installed on every host: it finds its node's files from the address SSH reached.
  writeFileSync(
    remoteAgent,
    `#!/bin/sh
set -e
cd "${join(workDir, 'nodes')}/$(echo "$SSH_CONNECTION" | cut -d' ' -f3)"
exec ${process.execPath} --import ${pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href} ${join(repoRoot, 'agent', 'main.ts')} "$@"
`,
  );
  chmodSync(remoteAgent, 0o755);
}

/** medusa-agent on a node, with that node's medusa.ini. */
const agentOn = (node: typeof self, ...args: string[]) =>
  runAgent('--config-file', join(nodeDir(node.address), 'medusa.ini'), ...args);

/** A cluster command on 127.0.0.13, reaching 127.0.0.14 over SSH. */
const clusterCommand = (...args: string[]) =>
  agentOn(
    self,
    ...args,
    '--ssh-config',
    sshd.clientConfig,
    '--remote-agent',
    remoteAgent,
    '--remote-config',
    'medusa.ini',
  );

const ALL = { consistency: 5 };

describe('backup-cluster and restore-cluster over SSH', () => {
  beforeAll(async () => {
    mkdirSync(localStorageDir, { recursive: true });
    writeNodeConfigs();
    await Promise.all([sshd.start(), cluster.start()]);
    client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.rows (id int PRIMARY KEY, value text)`);
    await insertRows(client, keyspace, 0, 80, { query: ALL });
  });

  afterAll(async () => {
    await client?.shutdown().catch(() => undefined);
    await Promise.all([cluster.stop(), sshd.stop()]);
    rmSync(join(localStorageDir, bucket), { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('backup-cluster snapshots and backs up the other node over SSH with its own medusa.ini', async () => {
    const backup = await clusterCommand('backup-cluster', '--backup-name', 'ssh1', '--mode', 'full');
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^Backup ssh1 of 127\.0\.0\.13 finished \(full\)/m);
    expect(backup.stdout).toMatch(/^Backup ssh1 of 127\.0\.0\.14 finished \(full\)/m);
    expect(readFileSync(logFile(sshd.service), 'utf8')).toMatch(/Accepted publickey for \S+ from/);

    const list = await agentOn(self, 'list-backups');
    expect(list.stdout).toMatch(/^ssh1 \(started: .*, finished: \d{4}-/m);
    const verify = await agentOn(other, 'verify', '--backup-name', 'ssh1');
    expect(verify.code).toBe(0);
    // Every snapshot of the backup is cleared, the remote one too.
    expect(await other.nodetool('listsnapshots')).not.toContain('medusa-ssh1');
  });

  it('a node SSH cannot reach fails backup-cluster with exit 1, naming it; no snapshot or backup stays', async () => {
    await sshd.stop();
    try {
      const backup = await clusterCommand('backup-cluster', '--backup-name', 'ssh2', '--mode', 'full');
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(/^error: 127\.0\.0\.14 \(ssh\): snapshot: .*Connection refused/m);
      expect(await self.nodetool('listsnapshots')).not.toContain('medusa-ssh2');
      expect((await agentOn(self, 'list-backups', '--show-all')).stdout).not.toContain('ssh2');
    } finally {
      await sshd.start();
    }
  });

  it('restore-cluster restores both nodes in place, the other one over SSH: exactly the backed-up rows', async () => {
    await client.execute(`TRUNCATE ${keyspace}.rows`, [], ALL);
    await insertRows(client, keyspace, 500, 520, { query: ALL });
    const restore = await clusterCommand('restore-cluster', '--backup-name', 'ssh1');
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('Restored ssh1 in place:');
    expect(restore.stdout).toMatch(/127\.0\.0\.14 -> 127\.0\.0\.14: Restored ssh1 \(node 127\.0\.0\.14\)/);
    await cluster.waitForAllUp();
    await client.shutdown();
    client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
    await client.connect();
    expect(await rowIds(client, keyspace, ALL)).toEqual(range(0, 80));
    // Both nodes stopped, restored and started again: 41 s in CI, over 180 s while the node lane's
    // faults-backup ran beside it on this 2-core machine.
  }, 420_000);

  it('backup-cluster refuses while a node is down, before snapshotting anything', async () => {
    await other.stop();
    try {
      await waitUntil(
        self.service,
        async () => (await self.nodetool('status')).includes(`DN  ${other.address}`),
        60_000,
        1000,
      );
      // Jolokia sees it as nodetool does (the transport the sidecar uses).
      expect(await new JolokiaControl({ url: self.jolokiaUrl }).unreachableNodes()).toEqual([other.address]);
      const backup = await clusterCommand('backup-cluster', '--backup-name', 'ssh3');
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(/^error: not every node is up \(down: 127\.0\.0\.14\)/m);
      expect(await self.nodetool('listsnapshots')).not.toContain('medusa-ssh3');
    } finally {
      other.start();
      await cluster.waitForAllUp();
    }
  });
});
