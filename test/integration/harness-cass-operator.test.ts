import * as k8s from '@kubernetes/client-node';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customPath, kubeRequest } from '../../lib/kube-request.js';
import { CassandraCluster } from '../bed/cassandra.js';
import { runningPid } from '../bed/proc.js';
import { api, type CassandraDatacenter } from '../harness/cass-operator/datacenter.js';
import { startCassOperator, type CassOperator } from '../harness/cass-operator/operator.js';
import { startKubelet, type Kubelet } from '../harness/kubelet/kubelet.js';
import { rackAwareChooser } from '../harness/kubelet/node-binding.js';
import { nodeDataRoot } from '../harness/kubelet/volumes.js';
import { eventually } from '../harness/poll.js';
import { adminConfig, testNamespace } from '../support/kube.js';

// The cass-operator stand-in and the kubelet stand-in together: a CassandraDatacenter of two racks
// (sizes 2 and 1) becomes cass-operator's StatefulSets, runs on three real Cassandra nodes
// (127.0.0.8-10), stops, takes a template change while stopped and starts again, with the status
// a restore controller waits on.

const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const cluster = new CassandraCluster({ name: 'harness-cassdc', hosts: [8, 9, 10] });
let namespace: { name: string; remove: () => Promise<void> };
let operator: CassOperator | undefined;
let kubelet: Kubelet | undefined;

const r1 = 'harness-demo-dc1-r1-sts';
const r2 = 'harness-demo-dc1-r2-sts';
/** Racks interleave over the nodes: r1-0 on node 0, r2-0 on node 1, r1-1 on node 2. */
const podsByNode = [`${r1}-0`, `${r2}-0`, `${r1}-1`];

function markerInit(mark: string): k8s.V1Container {
  return {
    name: 'dc-marker',
    image: 'busybox',
    command: ['sh', '-c', 'echo "$POD_NAME $MARK" > /var/lib/cassandra/dc-marker'],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MARK', value: mark },
    ],
    volumeMounts: [{ name: 'server-data', mountPath: '/var/lib/cassandra' }],
  };
}

const datacenter = (): CassandraDatacenter => ({
  apiVersion: `${api.group}/${api.version}`,
  kind: 'CassandraDatacenter',
  metadata: {
    name: 'dc1',
    annotations: { 'medusa.k8ssandra.io/configuration': 'demo-medusa', 'other.example/keep': 'dc-only' },
  },
  spec: {
    clusterName: 'harness_demo',
    serverType: 'cassandra',
    serverVersion: '5.0.4',
    size: 3,
    racks: [{ name: 'r1' }, { name: 'r2' }],
    storageConfig: {
      cassandraDataVolumeClaimSpec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
    },
    podTemplateSpec: {
      spec: { containers: [], initContainers: [{ name: 'server-config-init' }, markerInit('v1')] },
    },
  },
});

const dcPath = (sub?: string) => customPath(api.group, api.version, api.plural, namespace.name, 'dc1', sub);
const readDc = () => kubeRequest<CassandraDatacenter>(kc, 'GET', dcPath());
const patchDc = (patch: object) => kubeRequest(kc, 'PATCH', dcPath(), patch, { patchType: 'merge' });
const condition = (dc: CassandraDatacenter, type: string) =>
  dc.status?.conditions?.find((c) => c.type === type)?.status;

const stateOf = (dc: CassandraDatacenter) =>
  [
    dc.status?.cassandraOperatorProgress,
    ...['Ready', 'Stopped', 'Resuming', 'Updating'].map((t) => `${t}=${condition(dc, t)}`),
  ].join(' ');

/**
 * Watches the datacenter until `done`, recording every (progress, conditions) state it went
 * through: a watch sees each write, so short states (Updating=True for a moment) are not missed.
 */
async function watchDc(
  what: string,
  act: () => Promise<unknown>,
  done: (dc: CassandraDatacenter) => boolean,
  timeoutMs = 240_000,
) {
  const seen: string[] = [];
  const record = (dc: CassandraDatacenter) => {
    const state = stateOf(dc);
    if (dc.status && seen.at(-1) !== state) seen.push(state);
  };
  const start = await readDc();
  record(start);
  const watch = await new k8s.Watch(kc).watch(
    customPath(api.group, api.version, api.plural, namespace.name),
    { fieldSelector: 'metadata.name=dc1', resourceVersion: start.metadata.resourceVersion },
    (_phase: string, dc: CassandraDatacenter) => record(dc),
    () => undefined,
  );
  try {
    await act();
    const dc = await eventually(
      what,
      async () => {
        const current = await readDc();
        return done(current) ? current : undefined;
      },
      timeoutMs,
      500,
    );
    record(dc);
    return { dc, seen };
  } finally {
    watch.abort();
  }
}

const statefulSet = (name: string) => apps.readNamespacedStatefulSet({ name, namespace: namespace.name });
const markers = () =>
  cluster.nodes.map((n) => readFileSync(join(nodeDataRoot(n), 'dc-marker'), 'utf8').trim());

describe('cass-operator stand-in: a CassandraDatacenter on real Cassandra nodes', () => {
  beforeAll(async () => {
    await cluster.stop();
    rmSync(cluster.dir, { recursive: true, force: true });
    namespace = await testNamespace('harness-cassdc');
    operator = await startCassOperator({ kubeConfig: kc, namespace: namespace.name });
    const racksOf = operator.racksOf.bind(operator);
    kubelet = await startKubelet({
      kubeConfig: kc,
      namespace: namespace.name,
      cluster,
      labelSelector: 'app.kubernetes.io/managed-by=cass-operator',
      nodeFor: rackAwareChooser(cluster, racksOf),
      backoff: { initialMs: 2000, maxMs: 8000 },
    });
    await kubeRequest(
      kc,
      'POST',
      customPath(api.group, api.version, api.plural, namespace.name),
      datacenter(),
    );
  });

  afterAll(async () => {
    await kubelet?.stop();
    await operator?.stop();
    await cluster.stop();
    await namespace?.remove();
  });

  it('creates one StatefulSet per rack with cass-operator names, labels, template and the medusa annotations', async () => {
    const sets = await eventually('two StatefulSets', async () => {
      const list = await apps.listNamespacedStatefulSet({ namespace: namespace.name });
      return list.items.length === 2 ? list.items : undefined;
    });
    expect(sets.map((s) => s.metadata?.name).sort()).toEqual([r1, r2]);
    const first = await statefulSet(r1);
    expect(first.metadata?.labels).toMatchObject({
      'cassandra.datastax.com/cluster': 'harness_demo',
      'cassandra.datastax.com/datacenter': 'dc1',
      'cassandra.datastax.com/rack': 'r1',
      'app.kubernetes.io/managed-by': 'cass-operator',
    });
    expect(first.metadata?.annotations?.['medusa.k8ssandra.io/configuration']).toBe('demo-medusa');
    expect(first.metadata?.annotations?.['other.example/keep']).toBeUndefined();
    expect(first.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CassandraDatacenter', name: 'dc1' });
    expect(first.spec?.selector.matchLabels).toEqual({
      'cassandra.datastax.com/cluster': 'harness_demo',
      'cassandra.datastax.com/datacenter': 'dc1',
      'cassandra.datastax.com/rack': 'r1',
    });
    expect(first.spec?.podManagementPolicy).toBe('Parallel');
    expect(first.spec?.serviceName).toBe('harness-demo-dc1-all-pods-service');
    expect(first.spec?.volumeClaimTemplates?.map((t) => t.metadata?.name)).toEqual(['server-data']);
    const pod = first.spec?.template.spec;
    expect(pod?.initContainers?.map((c) => c.name)).toEqual(['server-config-init', 'dc-marker']);
    expect(pod?.initContainers?.[0]?.image).toContain('cass-config-builder');
    expect(pod?.containers.map((c) => c.name)).toEqual(['cassandra', 'server-system-logger']);
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.mountPath)).toEqual(
      expect.arrayContaining(['/var/lib/cassandra', '/config']),
    );
    // SplitRacks: size 3 over two racks.
    expect([first.spec?.replicas, (await statefulSet(r2)).spec?.replicas]).toEqual([2, 1]);
  });

  it('reports Updating while the pods come up, then Ready with every pod Ready on its own node', async () => {
    const { dc, seen } = await watchDc(
      'datacenter Ready',
      async () => undefined,
      (d) => d.status?.cassandraOperatorProgress === 'Ready' && condition(d, 'Ready') === 'True',
    );
    expect(seen[0]).toMatch(/^Updating /);
    expect(dc.status?.datacenterName).toBe('dc1');
    expect(condition(dc, 'Initialized')).toBe('True');
    const pods = (await core.listNamespacedPod({ namespace: namespace.name })).items;
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual([...podsByNode].sort());
    for (const [i, name] of podsByNode.entries()) {
      const pod = pods.find((p) => p.metadata?.name === name);
      expect(pod?.status?.podIP).toBe(cluster.nodes[i]!.address);
      expect(pod?.status?.containerStatuses?.every((c) => c.ready)).toBe(true);
    }
    expect(cluster.nodes.every((n) => n.isRunning())).toBe(true);
    expect(markers()).toEqual(podsByNode.map((p) => `${p} v1`));
  }, 420_000);

  it('stops: StatefulSets at 0, nodes down, then Stopped=True with progress Ready', async () => {
    const { dc, seen } = await watchDc(
      'datacenter stopped',
      () => patchDc({ spec: { stopped: true } }),
      (d) => condition(d, 'Stopped') === 'True' && d.status?.cassandraOperatorProgress === 'Ready',
    );
    expect(seen.some((s) => s.startsWith('Updating ') && s.includes('Stopped=True'))).toBe(true);
    expect(condition(dc, 'Ready')).toBe('False');
    expect((await statefulSet(r1)).spec?.replicas).toBe(0);
    expect((await statefulSet(r2)).spec?.replicas).toBe(0);
    expect((await core.listNamespacedPod({ namespace: namespace.name })).items).toEqual([]);
    expect(cluster.nodes.map((n) => n.isRunning())).toEqual([false, false, false]);
  }, 420_000);

  it('applies a pod template change made while stopped: Updating True, then False, still stopped', async () => {
    const before = (await readDc()).metadata.generation ?? 0;
    const { dc, seen } = await watchDc(
      'template update done',
      () =>
        patchDc({
          spec: {
            podTemplateSpec: {
              spec: { containers: [], initContainers: [{ name: 'server-config-init' }, markerInit('v2')] },
            },
          },
        }),
      (d) =>
        (d.metadata.generation ?? 0) > before &&
        d.status?.observedGeneration === d.metadata.generation &&
        condition(d, 'Updating') === 'False' &&
        d.status?.cassandraOperatorProgress === 'Ready',
      60_000,
    );
    expect(seen.some((s) => s.includes('Updating=True'))).toBe(true);
    expect(condition(dc, 'Stopped')).toBe('True');
    const env = (await statefulSet(r1)).spec?.template.spec?.initContainers?.[1]?.env;
    expect(env?.find((e) => e.name === 'MARK')?.value).toBe('v2');
    expect((await statefulSet(r1)).spec?.replicas).toBe(0);
  });

  it('starts again: Resuming, then Ready with Stopped cleared, and the new template run', async () => {
    const { dc, seen } = await watchDc(
      'datacenter Ready again',
      () => patchDc({ spec: { stopped: false } }),
      (d) => d.status?.cassandraOperatorProgress === 'Ready' && condition(d, 'Ready') === 'True',
    );
    expect(seen.some((s) => s.includes('Resuming=True'))).toBe(true);
    expect(condition(dc, 'Stopped')).toBe('False');
    expect(condition(dc, 'Resuming')).toBe('False');
    expect(cluster.nodes.every((n) => n.isRunning())).toBe(true);
    expect(markers()).toEqual(podsByNode.map((p) => `${p} v2`));
  }, 420_000);
  it('adopts nodes already running when a kubelet starts, and leaves them running when it stops', async () => {
    // A kubelet stops the nodes it started...
    await kubelet?.stop();
    expect(cluster.nodes.map((n) => n.isRunning())).toEqual([false, false, false]);
    // ...but not a ring that was up before it, such as the bed's shared one.
    await cluster.start({ keepData: true });
    const pids = cluster.nodes.map((n) => runningPid(n.service));
    const restartedAt = Math.floor(Date.now() / 1000) * 1000;
    kubelet = await startKubelet({
      kubeConfig: kc,
      namespace: namespace.name,
      cluster,
      labelSelector: 'app.kubernetes.io/managed-by=cass-operator',
      nodeFor: rackAwareChooser(cluster, (dc) => operator?.racksOf(dc)),
      backoff: { initialMs: 2000, maxMs: 8000 },
    });
    // The pods run again (their init containers too) on the same Cassandra processes.
    rmSync(join(nodeDataRoot(cluster.nodes[0]!), 'dc-marker'));
    await eventually('the marker written again', async () => markers()[0] === `${podsByNode[0]} v2`, 60_000);
    await eventually('pods Ready again', async () => {
      const pods = (await core.listNamespacedPod({ namespace: namespace.name })).items;
      return (
        pods.length === 3 &&
        pods.every(
          (p) =>
            new Date(p.status?.startTime ?? 0).getTime() >= restartedAt &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        )
      );
    });
    expect(cluster.nodes.map((n) => runningPid(n.service))).toEqual(pids);
    await kubelet.stop();
    kubelet = undefined;
    expect(cluster.nodes.map((n) => runningPid(n.service))).toEqual(pids);
  }, 420_000);
});
