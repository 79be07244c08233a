// npm run demo: the main job on a local default. Provisions what it uses (control plane, Cassandra,
// local storage) and reuses a test bed that is already up; runs the webhook, controller and the
// kubelet/cass-operator harness as local processes; binds a 3-node datacenter of its own Cassandra
// nodes; writes rows; backs up and restores through `kubectl medusa`; proves the rows are back.
// Then waits for Ctrl-C (or exits with --non-interactive). Ctrl-C, SIGTERM or a failure at any step
// stops everything the demo started and nothing else; a run after one that was killed outright
// first stops what that run left (scripts/demo-session.ts).
import { Client } from 'cassandra-driver';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubeRequest } from '../lib/kube-request.js';
import { isUp, provision, up, type Component } from '../test/bed/bed.js';
import { CassandraCluster } from '../test/bed/cassandra.js';
import { kubeconfigPath } from '../test/bed/kube.js';
import { repoRoot, runDir } from '../test/bed/paths.js';
import { logFile, portOpen, refuseNewServices } from '../test/bed/proc.js';
import { kubeletFinalizer, removeFinalizer } from '../test/harness/kubelet/finalizer.js';
import { adminConfig } from '../test/support/kube.js';
import { stackServices, startStack, waitForDatacenterReady } from '../test/support/stack.js';
import {
  readSession,
  removeSession,
  sessionRunning,
  stopSession,
  writeSession,
  type DemoSession,
} from './demo-session.js';

const { values } = parseArgs({
  options: {
    'non-interactive': { type: 'boolean', default: false },
    // Not the test bed's rings (127.0.0.1-4) nor the integration tests' nodes: a bed that is up
    // keeps its Cassandra while the demo stops and restores its own.
    hosts: { type: 'string', default: '91,92,93' },
    rows: { type: 'string', default: '1000' },
  },
});
const hosts = values.hosts.split(',').map(Number);
const rowCount = Number(values.rows);
const namespace = 'demo';
const started = Date.now();
const step = (text: string) =>
  console.log(`\n\x1b[1m▶ ${text}\x1b[0m (${((Date.now() - started) / 1000).toFixed(0)}s)`);
const note = (text: string) => console.log(`\x1b[33m${text}\x1b[0m`);
const logsDir = join(runDir, 'logs');

// `kubectl medusa` finds its plugin on PATH, as it will on a user's machine.
const binDir = join(runDir, 'bin');
mkdirSync(binDir, { recursive: true });
writeFileSync(
  join(binDir, 'kubectl-medusa'),
  `#!/bin/sh\nexec "${process.execPath}" --import tsx "${join(repoRoot, 'plugin', 'main.ts')}" "$@"\n`,
);
chmodSync(join(binDir, 'kubectl-medusa'), 0o755);
const env = { ...process.env, KUBECONFIG: kubeconfigPath, PATH: `${binDir}:${process.env.PATH ?? ''}` };

/** kubectl with the demo's kubeconfig and plugin; killed (and failed) after timeoutMs. */
function kubectl(args: string[], timeoutMs = 20 * 60_000): Promise<number> {
  console.log(`\x1b[36m$ kubectl ${args.join(' ')}\x1b[0m`);
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, { env, stdio: 'inherit', cwd: repoRoot });
    const timer = setTimeout(() => {
      console.error(`kubectl ${args[0]} gave no answer in ${timeoutMs / 1000}s: stopped`);
      child.kill('SIGTERM');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      console.error(`cannot run kubectl: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}

async function must(what: string, code: Promise<number>): Promise<void> {
  if ((await code) !== 0) throw new Error(`${what} failed (logs: ${logsDir})`);
}

const cluster = new CassandraCluster({ name: 'demo', hosts });
const session: DemoSession = {
  pid: process.pid,
  namespace,
  cluster: { name: cluster.name, hosts },
  components: [],
};
let client: Client | undefined;

let stopping: Promise<void> | undefined;
/** Set once this run owns the session (not while another demo runs): only then is there a stop. */
let owned = false;
/** Stops what this run started (once, however many signals arrive). */
function cleanup(): Promise<void> {
  stopping ??= (async () => {
    refuseNewServices('the demo is stopping'); // a step still in flight starts nothing more
    if (!owned) return;
    await client?.shutdown().catch(() => undefined);
    client = undefined;
    await stopSession(session, note);
    if (session.components.includes('kube')) return removeSession();
    // The bed stays up: remove the namespace (its pods' finalizers are gone with the harness).
    await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false'], 60_000);
    removeSession();
  })();
  return stopping;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (stopping) return note(`${signal}: already stopping`);
    note(`\n${signal}: stopping what the demo started (a second signal does not interrupt this)`);
    void cleanup().finally(() => process.exit(code));
  });
}

/** A run killed outright (SIGKILL, a closed terminal) left its processes: stop them first. */
async function stopLeftovers(): Promise<void> {
  const previous = readSession();
  if (!previous) return;
  if (sessionRunning(previous)) {
    throw new Error(
      `another demo is running (pid ${previous.pid}): stop it first (kill -INT ${previous.pid})`,
    );
  }
  note(`stopping what an interrupted demo run (pid ${previous.pid}) left running`);
  await stopSession(previous, note);
  removeSession();
}

/** The demo's Cassandra addresses must be free: nodes of another cluster there would be taken over. */
async function checkAddressesFree(): Promise<void> {
  for (const node of cluster.nodes) {
    if (node.isRunning()) continue; // ours, from this session's data folder
    for (const port of [node.cqlPort, 7000, node.jolokiaPort]) {
      if (await portOpen(node.address, port)) {
        throw new Error(
          `${node.address}:${port} is in use by another process: choose free addresses with --hosts (e.g. --hosts 95,96,97)`,
        );
      }
    }
  }
}

/** Namespace `demo` afresh; pods a killed harness held with its finalizer are let go first. */
async function freshNamespace(): Promise<void> {
  const kc = adminConfig();
  const pods = await kubeRequest<{
    items: { metadata: { name: string; uid: string; finalizers?: string[] } }[];
  }>(kc, 'GET', `/api/v1/namespaces/${namespace}/pods`).catch(() => ({ items: [] }));
  for (const pod of pods.items) {
    if (pod.metadata.finalizers?.includes(kubeletFinalizer))
      await removeFinalizer(kc, namespace, pod.metadata.name, pod.metadata.uid);
  }
  await must(
    `deleting namespace ${namespace} (left by an earlier run)`,
    kubectl(
      ['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s'],
      150_000,
    ),
  );
}

async function countRows(): Promise<number> {
  const result = await client!.execute('SELECT count(*) FROM demo.sensors', [], { consistency: 4 /* ALL */ });
  return Number(result.first()?.count ?? -1);
}

async function demo(): Promise<void> {
  await stopLeftovers();
  writeSession(session);
  owned = true;

  const wanted: Component[] = ['kube', 'local'];
  step('Test bed: etcd, kube-apiserver, kube-controller-manager, Cassandra 5.0, local storage');
  // Cassandra's jars are provisioned too (the harness runs the datacenter's nodes from them); the
  // bed's own ring is not started: the demo runs its own nodes.
  await provision([...wanted, 'cassandra']);
  session.components = wanted.filter((c) => !isUp(c));
  writeSession(session); // before starting: a Ctrl-C while they start still stops them
  for (const c of wanted.filter((c) => c !== 'local' && !session.components.includes(c)))
    console.log(`${c}: reusing the running one`);
  await up(wanted);
  await checkAddressesFree();

  step(
    `Webhook, controller and harness; datacenter dc1 (${hosts.length} Cassandra 5.0 nodes on ${cluster.contactPoints.join(', ')}) bound to local storage`,
  );
  await freshNamespace();
  await startStack({
    namespace,
    cluster,
    storage: { kind: 'local', bucket: 'demo-backups' },
    datacenter: 'dc1',
    prefix: 'demo',
  });
  const harness = stackServices(namespace)[2]!;
  console.log(`harness log: ${logFile(harness)} (Cassandra and agent logs beside it in ${logsDir})`);
  await waitForDatacenterReady(namespace, 'dc1', hosts.length, 900_000, harness);
  await kubectl([
    'get',
    'pods',
    '-n',
    namespace,
    '-o',
    'custom-columns=POD:.metadata.name,STATUS:.status.phase,INIT:.spec.initContainers[*].name,CONTAINERS:.spec.containers[*].name',
  ]);

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
    kubectl([
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
    ]),
  );
  await must('backups', kubectl(['medusa', 'backups', '-n', namespace]));

  step('Dropping the data (TRUNCATE demo.sensors)');
  await client.execute('TRUNCATE demo.sensors');
  console.log(`rows: ${await countRows()}`);

  step('Restore through the plugin');
  await client.shutdown();
  client = undefined;
  await must(
    'restore',
    kubectl(['medusa', 'restore', '--backup', backupName, '-n', namespace, '--wait', '--timeout', '15m']),
  );
  await waitForDatacenterReady(namespace, 'dc1', hosts.length, 900_000, harness);

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
Logs: ${logsDir}`);
    // Until a signal: its handler stops everything and exits.
    await new Promise<never>(() => setInterval(() => undefined, 60_000));
  }
}

try {
  await demo();
  await cleanup();
  process.exit(0);
} catch (error) {
  console.error(`\n\x1b[31mdemo failed: ${(error as Error).message}\x1b[0m\nlogs: ${logsDir}`);
  await cleanup();
  process.exit(1);
}
