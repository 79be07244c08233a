import * as k8s from '@kubernetes/client-node';
import { Client } from 'cassandra-driver';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraCluster } from '../bed/cassandra.js';
import { runningPid } from '../bed/proc.js';
import { startKubelet, type Kubelet } from '../harness/kubelet/kubelet.js';
import { nodeDataRoot } from '../harness/kubelet/volumes.js';
import { containerLogFile } from '../harness/kubelet/container-process.js';
import { eventually } from '../harness/poll.js';
import { adminConfig, kubectl, testNamespace } from '../support/kube.js';

// The kubelet stand-in running a plain StatefulSet on three real Cassandra nodes (127.0.0.8-10):
// what a user would see with kubectl (pod phases, readiness, ordinal order, init errors) and on the
// nodes (marker files written by the init container, rows kept across a scale to 0 and back).

const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const cluster = new CassandraCluster({ name: 'harness-kubelet', hosts: [8, 9, 10] });
const sts = 'ring';
const podNames = [0, 1, 2].map((i) => `${sts}-${i}`);
let namespace: { name: string; remove: () => Promise<void> };
let kubelet: Kubelet | undefined;
const medusaIni = '[cassandra]\nuse_sudo = false\n\n[storage]\nkey_file = /etc/medusa-secrets/credentials\n';

function statefulSet(): k8s.V1StatefulSet {
  const labels = { app: sts };
  const dataMount = { name: 'server-data', mountPath: '/var/lib/cassandra' };
  const configMount = { name: 'server-config', mountPath: '/etc/cassandra' };
  return {
    metadata: { name: sts, labels },
    spec: {
      serviceName: sts,
      replicas: 3,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, tier: 'db' } },
        spec: {
          terminationGracePeriodSeconds: 10,
          initContainers: [
            {
              name: 'marker',
              image: 'busybox',
              command: ['sh', '-c'],
              args: [
                // Fails until the test allows it; then leaves evidence of its env and mounts.
                [
                  'test -f /var/lib/cassandra/allow-init || exit 3',
                  'echo $POD_NAME > /var/lib/cassandra/marker',
                  'echo $(GREETING) $CQL_USERNAME > /var/lib/cassandra/init-env',
                  'cp /etc/podinfo/labels /var/lib/cassandra/init-labels',
                  'printf %s "$MEDUSA_INI" > /var/lib/cassandra/medusa.ini',
                ].join('; '),
              ],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'GREETING', value: 'hello' },
                { name: 'MEDUSA_INI', value: medusaIni },
                {
                  name: 'CQL_USERNAME',
                  valueFrom: { secretKeyRef: { name: 'ring-cql', key: 'username' } },
                },
              ],
              volumeMounts: [
                dataMount,
                configMount,
                { name: 'podinfo', mountPath: '/etc/podinfo' },
                { name: 'medusa-secrets', mountPath: '/etc/medusa-secrets', readOnly: true },
              ],
            },
            // The image's medusa-agent binary is this repository's agent.
            {
              name: 'agent',
              image: 'ghcr.io/kubectl-medusa/medusa-agent:0.1.0',
              command: ['medusa-agent'],
              args: ['--version'],
            },
            {
              // The API as the pod's service account (RBAC below), like an in-cluster client.
              name: 'api',
              image: 'bitnami/kubectl',
              command: ['sh', '-c', 'kubectl get pod "$POD_NAME" -o name > /var/lib/cassandra/api-check'],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              volumeMounts: [dataMount],
            },
          ],
          containers: [
            { name: 'cassandra', image: 'cassandra:5.0', volumeMounts: [dataMount, configMount] },
            {
              name: 'heartbeat',
              image: 'busybox',
              command: [
                'sh',
                '-c',
                'while true; do echo "$POD_IP" > /var/lib/cassandra/heartbeat; sleep 1; done',
              ],
              env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
              volumeMounts: [dataMount],
            },
          ],
          volumes: [
            { name: 'server-config', emptyDir: {} },
            { name: 'medusa-secrets', secret: { secretName: 'ring-storage' } },
            {
              name: 'podinfo',
              downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'server-data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

const readPod = (name: string) => core.readNamespacedPod({ name, namespace: namespace.name });
const isReady = (pod: k8s.V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const readyTime = (pod: k8s.V1Pod) =>
  new Date(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? 0).getTime();

async function allReady(): Promise<k8s.V1Pod[]> {
  return eventually(
    'three Ready pods',
    async () => {
      const pods = await Promise.all(podNames.map((name) => readPod(name).catch(() => undefined)));
      return pods.every((p) => p && isReady(p)) ? (pods as k8s.V1Pod[]) : undefined;
    },
    400_000,
    1000,
  );
}

async function scale(replicas: number): Promise<void> {
  await apps.patchNamespacedStatefulSetScale(
    { name: sts, namespace: namespace.name, body: { spec: { replicas } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

describe('kubelet stand-in: a plain StatefulSet on real Cassandra nodes', () => {
  beforeAll(async () => {
    await cluster.stop();
    rmSync(cluster.dir, { recursive: true, force: true });
    namespace = await testNamespace('harness-kubelet');
    await core.createNamespacedSecret({
      namespace: namespace.name,
      body: { metadata: { name: 'ring-cql' }, stringData: { username: 'ring-user', password: 'pw' } },
    });
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: namespace.name,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: namespace.name,
      body: {
        metadata: { name: 'pod-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: namespace.name }],
      },
    });
    await core.createNamespacedSecret({
      namespace: namespace.name,
      body: {
        metadata: { name: 'ring-storage' },
        stringData: { credentials: '[default]\naws_access_key_id = k\n' },
      },
    });
    kubelet = await startKubelet({
      kubeConfig: kc,
      namespace: namespace.name,
      cluster,
      statefulSets: [sts],
      backoff: { initialMs: 2000, maxMs: 8000 },
    });
    await apps.createNamespacedStatefulSet({ namespace: namespace.name, body: statefulSet() });
  });

  afterAll(async () => {
    await kubelet?.stop();
    await cluster.stop();
    await namespace?.remove();
  });

  it('reports a failing init container as Init:Error, then Init:CrashLoopBackOff, and retries it', async () => {
    // What `kubectl get pod` shows in its STATUS column while the init container keeps failing.
    const shown = new Set<string>();
    await eventually(
      'Init:Error and Init:CrashLoopBackOff',
      async () => {
        const line = await kubectl('get', 'pod', 'ring-0', '-n', namespace.name, '--no-headers');
        shown.add(line.trim().split(/\s+/)[2] ?? '');
        return shown.has('Init:Error') && shown.has('Init:CrashLoopBackOff');
      },
      60_000,
      100,
    );
    const crashLooping = await eventually('a recorded restart', async () => {
      const init = (await readPod('ring-0')).status?.initContainerStatuses?.[0];
      return init?.lastState?.terminated ? init : undefined;
    });
    expect(crashLooping.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(crashLooping.restartCount).toBeGreaterThanOrEqual(1);
    const pod = await readPod('ring-0');
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('False');
    // StatefulSet OrderedReady: nothing beyond ordinal 0 while it is not Ready.
    await expect(readPod('ring-1')).rejects.toMatchObject({ code: 404 });
    expect(cluster.nodes[0]!.isRunning()).toBe(false);
    for (const node of cluster.nodes) {
      mkdirSync(nodeDataRoot(node), { recursive: true });
      writeFileSync(join(nodeDataRoot(node), 'allow-init'), '');
    }
  });

  it('brings the three pods to Running and Ready in ordinal order, each bound to its own real node', async () => {
    const pods = await allReady();
    pods.forEach((pod, i) => {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.podIP).toBe(cluster.nodes[i]!.address);
      expect(pod.status?.containerStatuses?.map((c) => [c.name, c.ready])).toEqual([
        ['cassandra', true],
        ['heartbeat', true],
      ]);
      expect(pod.status?.initContainerStatuses?.map((c) => c.state?.terminated?.reason)).toEqual([
        'Completed',
        'Completed',
        'Completed',
      ]);
    });
    // Each pod was only created once its predecessor was Ready (second resolution on both sides).
    for (const i of [1, 2]) {
      const created = new Date(pods[i]!.metadata!.creationTimestamp!).getTime();
      expect(created).toBeGreaterThanOrEqual(Math.floor(readyTime(pods[i - 1]!) / 1000) * 1000);
    }
    expect(cluster.nodes.every((n) => n.isRunning())).toBe(true);
    const up = await eventually('3 nodes Up/Normal', async () => {
      const addresses = await cluster.upNormal();
      return addresses.length === 3 ? addresses : undefined;
    });
    expect(new Set(up)).toEqual(new Set(cluster.contactPoints));
  }, 420_000);

  it('ran the init container with its env and mounts resolved on the pod node', async () => {
    cluster.nodes.forEach((node, i) => {
      const root = nodeDataRoot(node);
      expect(readFileSync(join(root, 'marker'), 'utf8').trim()).toBe(podNames[i]);
      expect(readFileSync(join(root, 'init-env'), 'utf8').trim()).toBe('hello ring-user');
      expect(readFileSync(join(root, 'init-labels'), 'utf8')).toContain('tier="db"');
      // The data volume is the node's data root: Cassandra's own data directory sits under it.
      expect(existsSync(join(root, 'data', 'system'))).toBe(true);
    });
  });

  it('ran medusa-agent as the agent image would, and gave containers API access as the pod service account', () => {
    const agentLog = readFileSync(containerLogFile(namespace.name, 'ring-0', 'agent'), 'utf8');
    expect(agentLog).toContain('0.1.0');
    for (const [i, node] of cluster.nodes.entries()) {
      expect(readFileSync(join(nodeDataRoot(node), 'api-check'), 'utf8').trim()).toBe(`pod/${podNames[i]}`);
    }
  });

  it('gave the init container a MEDUSA_INI whose paths lead to the local files', async () => {
    const ini = readFileSync(join(nodeDataRoot(cluster.nodes[0]!), 'medusa.ini'), 'utf8');
    const configFile = /config_file = (.+)/.exec(ini)?.[1];
    const keyFile = /key_file = (.+)/.exec(ini)?.[1];
    expect(configFile).toBe(cluster.nodes[0]!.configFile);
    expect(readFileSync(keyFile!, 'utf8')).toContain('aws_access_key_id = k');
  });

  it('runs the sidecar with its env and logs under .testbed/logs', async () => {
    for (const [i, node] of cluster.nodes.entries()) {
      const heartbeat = join(nodeDataRoot(node), 'heartbeat');
      await eventually('a heartbeat', async () => existsSync(heartbeat));
      expect(readFileSync(heartbeat, 'utf8').trim()).toBe(node.address);
      expect(existsSync(containerLogFile(namespace.name, podNames[i]!, 'marker'))).toBe(true);
    }
  });

  it('stops the nodes when scaled to 0 and restarts them with their data when scaled back to 3', async () => {
    const client = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
    await client.connect();
    await client.execute(
      `CREATE KEYSPACE harness WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`,
    );
    await client.execute('CREATE TABLE harness.rows (id int PRIMARY KEY, label text)');
    for (let id = 0; id < 20; id++) {
      await client.execute('INSERT INTO harness.rows (id, label) VALUES (?, ?)', [id, `row ${id}`], {
        prepare: true,
      });
    }
    await client.shutdown();

    await scale(0);
    await eventually(
      'no pods left',
      async () => (await core.listNamespacedPod({ namespace: namespace.name })).items.length === 0,
      240_000,
      1000,
    );
    expect(cluster.nodes.map((n) => n.isRunning())).toEqual([false, false, false]);
    expect(kubelet?.bindings().size).toBe(0);

    await scale(3);
    await allReady();
    const again = new Client({ contactPoints: cluster.contactPoints, localDataCenter: cluster.datacenter });
    await again.connect();
    const rows = await again.execute('SELECT count(*) FROM harness.rows', [], { consistency: 5 /* ALL */ });
    await again.shutdown();
    expect(Number(rows.first().get('count'))).toBe(20);
  }, 420_000);
  it('restarts a deleted pod on the same node: the old Cassandra process stops before the new pod starts it', async () => {
    const node = cluster.nodes[1]!;
    const before = await readPod('ring-1');
    const pidBefore = runningPid(node.service);
    expect(pidBefore).toBeDefined();
    await core.deleteNamespacedPod({ name: 'ring-1', namespace: namespace.name });
    // The finalizer keeps the pod Terminating until its node has stopped.
    const terminating = await readPod('ring-1');
    expect(terminating.metadata?.uid).toBe(before.metadata?.uid);
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    const after = await eventually(
      'a new ring-1 Ready',
      async () => {
        const pod = await readPod('ring-1').catch(() => undefined);
        return pod && pod.metadata?.uid !== before.metadata?.uid && isReady(pod) ? pod : undefined;
      },
      180_000,
      1000,
    );
    expect(after.status?.podIP).toBe(node.address);
    const pidAfter = runningPid(node.service);
    expect(pidAfter).toBeDefined();
    expect(pidAfter).not.toBe(pidBefore);
  }, 420_000);
});
