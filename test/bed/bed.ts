import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rings } from './cassandra.js';
import {
  apiserverGet,
  etcdPorts,
  startApiserver,
  startControllerManager,
  startEtcd,
  stopControlPlane,
} from './kube.js';
import { nodeNeeds, nodeServices, startNode, stopNode } from './node.js';
import { artefacts, bedDir } from './paths.js';
import { portOpen, runningPid } from './proc.js';
import { prepareLocalStorage, startAzurite, startFakeGcs, startMinio } from './stores.js';
import { stopService } from './proc.js';

const run = promisify(execFile);

/**
 * What the test bed can start. `kube` is etcd + kube-apiserver + kube-controller-manager; `node` is
 * a real node (containerd, kubelet, kube-scheduler, kube-proxy: test/bed/node.ts) for `kube`'s
 * apiserver, started only when named (test/integration/node-chart.test.ts starts it itself).
 */
export const components = [
  'kube',
  'cassandra',
  'minio',
  'azurite',
  'fake-gcs',
  'local',
  'medusa',
  'node',
] as const;
export type Component = (typeof components)[number];
/** What `up` starts when no component is named. */
export const defaultComponents: Component[] = components.filter((c) => c !== 'node');

/** The processes behind each component, by service name (for status and stop). */
const services: Record<Component, string[]> = {
  kube: ['etcd', 'kube-apiserver', 'kube-controller-manager'],
  cassandra: rings.three().nodes.map((n) => n.service),
  minio: ['minio'],
  azurite: ['azurite'],
  'fake-gcs': ['fake-gcs'],
  local: [],
  medusa: [],
  node: [...nodeServices],
};

/** Built artefacts each component needs; missing ones are provisioned first. */
const needs: Record<Component, string[]> = {
  kube: [artefacts.etcd, artefacts.kubeApiserver, artefacts.kubeControllerManager],
  cassandra: [join(artefacts.cassandraHome, '.complete')],
  minio: [artefacts.minio],
  azurite: [artefacts.azurite],
  'fake-gcs': [artefacts.fakeGcs],
  local: [],
  medusa: [artefacts.medusa],
  node: nodeNeeds,
};

export function parseComponents(names: string[]): Component[] {
  if (names.length === 0) return [...defaultComponents];
  for (const name of names) {
    if (!(components as readonly string[]).includes(name)) {
      throw new Error(`unknown component '${name}'; known: ${components.join(', ')}`);
    }
  }
  return names as Component[];
}

export function isUp(component: Component): boolean {
  return services[component].every((s) => runningPid(s) !== undefined);
}

/** Runs the provisioning script (cached builds are skipped) when an artefact is missing. */
export async function provision(wanted: Component[]): Promise<void> {
  const missing = wanted.filter((c) => needs[c].some((file) => !existsSync(file)));
  if (missing.length === 0) return;
  console.error(`[testbed] provisioning ${missing.join(', ')} (cold builds take minutes; cached afterwards)`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [join(bedDir, 'provision', 'all.sh'), ...missing], { stdio: 'inherit' });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`provisioning failed (exit ${code})`)),
    );
  });
}

async function startComponent(component: Component): Promise<void> {
  switch (component) {
    case 'kube':
      // etcd starts with empty data: an apiserver or controller-manager left running by an
      // interrupted run holds state from the old etcd (a controller-manager watching resource
      // versions the new etcd never reaches creates no pods), so they start again with it.
      if (runningPid('etcd') === undefined && !(await portOpen('127.0.0.1', etcdPorts.client))) {
        await stopService('kube-controller-manager');
        await stopService('kube-apiserver');
      }
      await startEtcd();
      await startApiserver();
      await startControllerManager();
      return;
    case 'cassandra':
      await rings.three().start();
      return;
    case 'minio':
      return startMinio();
    case 'azurite':
      return startAzurite();
    case 'fake-gcs':
      return startFakeGcs();
    case 'local':
      return prepareLocalStorage();
    case 'medusa':
      await run(artefacts.medusa, ['--version']);
      return;
    case 'node':
      if ((await apiserverGet('/readyz').catch(() => undefined))?.status !== 200) {
        throw new Error(
          "the node needs the bed's apiserver: start `kube` first (npm run testbed -- up kube node)",
        );
      }
      return startNode();
  }
}

async function stopComponent(component: Component): Promise<void> {
  if (component === 'kube') return stopControlPlane();
  if (component === 'cassandra') return rings.three().stop();
  if (component === 'node') return stopNode();
  await Promise.all(services[component].map((s) => stopService(s)));
}

/**
 * Provisions what is missing, then starts the components in parallel (reusing running ones).
 * Resolves with the components this call started, so a caller can stop only those.
 */
export async function up(wanted: Component[]): Promise<Component[]> {
  await provision(wanted);
  const started = wanted.filter((c) => !isUp(c));
  const start = async (c: Component) => {
    const t0 = Date.now();
    await startComponent(c);
    console.error(`[testbed] ${c} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  };
  // The node registers with the apiserver: it starts once the others are up.
  const first = await Promise.allSettled(started.filter((c) => c !== 'node').map(start));
  const results = started.includes('node')
    ? [...first, ...(await Promise.allSettled([start('node')]))]
    : first;
  const order = [...started.filter((c) => c !== 'node'), ...started.filter((c) => c === 'node')];
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${order[i]}: ${String(r.reason)}`] : [],
  );
  if (failures.length > 0) throw new Error(`test bed failed to start:\n${failures.join('\n')}`);
  return started;
}

export async function down(wanted: Component[]): Promise<void> {
  // The node first: it still talks to the apiserver while it stops (its Node object is removed).
  if (wanted.includes('node')) await stopComponent('node');
  await Promise.all(wanted.filter((c) => c !== 'node').map((c) => stopComponent(c)));
}

export function status(): Record<Component, 'up' | 'down'> {
  return Object.fromEntries(
    components.map((c) => [c, services[c].length === 0 || isUp(c) ? 'up' : 'down']),
  ) as Record<Component, 'up' | 'down'>;
}
