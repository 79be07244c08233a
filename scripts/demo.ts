// npm run demo: the main job on a local default. Provisions (or reuses) the local control plane,
// Cassandra and local storage; runs the webhook, controller and the kubelet/cass-operator harness as
// local processes; binds a 3-node datacenter; writes rows; backs up and restores through
// `kubectl medusa`; proves the rows are back. Then waits for Ctrl-C (or exits with --non-interactive).
import { Client } from 'cassandra-driver';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { down, up, type Component } from '../test/bed/bed.js';
import { CassandraCluster } from '../test/bed/cassandra.js';
import { kubeconfigPath } from '../test/bed/kube.js';
import { repoRoot, runDir } from '../test/bed/paths.js';
import { startStack, waitForDatacenterReady, type Stack } from '../test/support/stack.js';

const { values } = parseArgs({
  options: {
    'non-interactive': { type: 'boolean', default: false },
    hosts: { type: 'string', default: '1,2,3' },
    rows: { type: 'string', default: '1000' },
  },
});
const hosts = values.hosts.split(',').map(Number);
const rowCount = Number(values.rows);
const namespace = 'demo';
const started = Date.now();
const step = (text: string) =>
  console.log(`\n\x1b[1m▶ ${text}\x1b[0m (${((Date.now() - started) / 1000).toFixed(0)}s)`);

// `kubectl medusa` finds its plugin on PATH, as it will on a user's machine.
const binDir = join(runDir, 'bin');
mkdirSync(binDir, { recursive: true });
writeFileSync(
  join(binDir, 'kubectl-medusa'),
  `#!/bin/sh\nexec "${process.execPath}" --import tsx "${join(repoRoot, 'plugin', 'main.ts')}" "$@"\n`,
);
chmodSync(join(binDir, 'kubectl-medusa'), 0o755);
const env = { ...process.env, KUBECONFIG: kubeconfigPath, PATH: `${binDir}:${process.env.PATH ?? ''}` };

function kubectl(...args: string[]): Promise<number> {
  console.log(`\x1b[36m$ kubectl ${args.join(' ')}\x1b[0m`);
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, { env, stdio: 'inherit', cwd: repoRoot });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function must(what: string, code: Promise<number>): Promise<void> {
  if ((await code) !== 0) throw new Error(`${what} failed`);
}

const cluster = new CassandraCluster({
  name: hosts.join(',') === '1,2,3' ? 'ring3' : `demo-${hosts.join('-')}`,
  hosts,
});
let stack: Stack | undefined;
let startedComponents: Component[] = [];
let client: Client | undefined;

async function cleanup(): Promise<void> {
  await client?.shutdown().catch(() => undefined);
  await stack?.stop().catch(() => undefined);
  await cluster.stop().catch(() => undefined);
  await down(startedComponents).catch(() => undefined);
}

async function countRows(): Promise<number> {
  const result = await client!.execute('SELECT count(*) FROM demo.sensors', [], { consistency: 4 /* ALL */ });
  return Number(result.first()?.count ?? -1);
}

try {
  step('Test bed: kube-apiserver, etcd, kube-controller-manager, local storage (provisioned on first run)');
  startedComponents = await up(['kube', 'local']);

  step(
    `Webhook, controller and harness; datacenter dc1 (${hosts.length} Cassandra 5.0 nodes) bound to local storage`,
  );
  await import('../test/support/kube.js').then((m) =>
    m.kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=true'),
  );
  stack = await startStack({
    namespace,
    cluster,
    storage: { kind: 'local', bucket: 'demo-backups' },
    datacenter: 'dc1',
    prefix: 'demo',
  });
  await waitForDatacenterReady(namespace, 'dc1', hosts.length);
  await kubectl(
    'get',
    'pods',
    '-n',
    namespace,
    '-o',
    'custom-columns=POD:.metadata.name,STATUS:.status.phase,INIT:.spec.initContainers[*].name,CONTAINERS:.spec.containers[*].name',
  );

  step(`Writing ${rowCount} rows to demo.sensors`);
  client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: 'dc1' });
  await client.connect();
  await client.execute(
    `CREATE KEYSPACE IF NOT EXISTS demo WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': ${Math.min(3, hosts.length)}}`,
  );
  await client.execute(
    'CREATE TABLE IF NOT EXISTS demo.sensors (id int PRIMARY KEY, reading double, site text)',
  );
  await client.execute('TRUNCATE demo.sensors');
  for (let id = 0; id < rowCount; id += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, rowCount - id) }, (_, i) =>
        client!.execute(
          'INSERT INTO demo.sensors (id, reading, site) VALUES (?, ?, ?)',
          [id + i, Math.sin(id + i), `site-${(id + i) % 7}`],
          { prepare: true },
        ),
      ),
    );
  }
  await Promise.all(cluster.nodes.map((n) => n.nodetool('flush', 'demo')));
  console.log(`rows: ${await countRows()}`);

  step('Backup through the plugin');
  const backupName = `dc1-demo-${Date.now().toString(36)}`;
  await must(
    'backup',
    kubectl(
      'medusa',
      'backup',
      'dc1',
      '-n',
      namespace,
      '--name',
      backupName,
      '--type',
      'full',
      '--wait',
      '--timeout',
      '10m',
    ),
  );
  await must('backups', kubectl('medusa', 'backups', '-n', namespace));

  step('Dropping the data (TRUNCATE demo.sensors)');
  await client.execute('TRUNCATE demo.sensors');
  console.log(`rows: ${await countRows()}`);

  step('Restore through the plugin');
  await client.shutdown();
  client = undefined;
  await must(
    'restore',
    kubectl('medusa', 'restore', '--backup', backupName, '-n', namespace, '--wait', '--timeout', '15m'),
  );
  await waitForDatacenterReady(namespace, 'dc1', hosts.length);

  step('Checking the rows are back');
  client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: 'dc1' });
  await client.connect();
  const back = await countRows();
  if (back !== rowCount) throw new Error(`expected ${rowCount} rows after the restore, found ${back}`);
  console.log(
    `\n\x1b[32mdemo passed: ${back} of ${rowCount} rows restored in ${((Date.now() - started) / 1000).toFixed(0)}s\x1b[0m`,
  );

  if (!values['non-interactive']) {
    console.log(`
The environment stays up until Ctrl-C. Try:
  export KUBECONFIG=${kubeconfigPath} PATH=${binDir}:$PATH
  kubectl medusa status dc1 -n ${namespace}
  kubectl medusa backups describe ${backupName} -n ${namespace}
  kubectl medusa schedule create nightly --dc dc1 --cron "0 2 * * *" -n ${namespace}
  kubectl get medusabackups,medusabackupjobs,medusarestorejobs -n ${namespace}
Logs: ${join(runDir, 'logs')}`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await cleanup();
} catch (error) {
  console.error(`\n\x1b[31mdemo failed: ${(error as Error).message}\x1b[0m\nlogs: ${join(runDir, 'logs')}`);
  await cleanup();
  process.exitCode = 1;
}
