// The whole product on the test bed, as local processes: the admission webhook (registered by URL
// with its CA bundle), the controller, and the harness standing in for kubelet and cass-operator,
// serving one namespace with a datacenter bound to a MedusaConfiguration. Used by the end-to-end
// tests and by `npm run demo`.
import * as k8s from '@kubernetes/client-node';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { configurationAnnotation, prefixAnnotation } from '../../crds/binding.js';
import { webhookConfigurations } from '../../webhook/manifests.js';
import type { CassandraCluster } from '../bed/cassandra.js';
import { controlPlaneCa, kubeconfigPath } from '../bed/kube.js';
import { repoRoot, runDir } from '../bed/paths.js';
import { issueCert, pemBase64 } from '../bed/pki.js';
import { retrying } from '../../lib/kube-retry.js';
import {
  isAlive,
  knownServices,
  logFile,
  logTail,
  portOpen,
  runningPid,
  startService,
  stopService,
  waitUntil,
} from '../bed/proc.js';
import { localStorageDir, minio } from '../bed/stores.js';
import { adminConfig, installCrds } from './kube.js';

export type StackStorage = { kind: 'local'; bucket: string } | { kind: 'minio'; bucket: string };

export interface StackOptions {
  namespace: string;
  cluster: CassandraCluster;
  storage: StackStorage;
  /** Name of the bound StatefulSet (the datacenter). */
  datacenter?: string;
  prefix?: string;
  webhookPort?: number;
  /** Controller watchdog timings, seconds. */
  agentStaleAfterSeconds?: number;
  /**
   * false: the stack only (webhook, controller, harness, the bucket and its key); the test creates
   * the MedusaConfiguration and the StatefulSet itself, in the order it wants. Default true.
   */
  datacenterObjects?: boolean;
  /** Run the harness's cass-operator stand-in too (CassandraDatacenters). Default false. */
  cassOperator?: boolean;
}

export interface Stack {
  namespace: string;
  datacenter: string;
  /** Service names (test/bed/proc.ts) of the processes, for logs. */
  services: string[];
  stop(): Promise<void>;
}

const tsx = (script: string, ...args: string[]) => ({
  command: process.execPath,
  args: ['--import', 'tsx', join(repoRoot, script), ...args],
  cwd: repoRoot,
});

export function medusaConfiguration(namespace: string, storage: StackStorage) {
  const storageProperties =
    storage.kind === 'local'
      ? {
          storageProvider: 'local',
          bucketName: storage.bucket,
          // One folder shared by every node, as an NFS export would be.
          localVolume: { hostPath: { path: localStorageDir, type: 'DirectoryOrCreate' } },
        }
      : {
          storageProvider: 's3_compatible',
          bucketName: storage.bucket,
          host: minio.host,
          port: minio.port,
          secure: false,
          region: minio.region,
          storageSecretRef: { name: 'medusa-bucket-key' },
        };
  return {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaConfiguration',
    metadata: { name: 'medusa', namespace },
    spec: {
      storageProperties: JSON.parse(JSON.stringify(storageProperties)) as Record<string, unknown>,
      purgeBackups: false,
    },
  };
}

/** A Cassandra StatefulSet as a user writes it: data at /var/lib/cassandra, config at /etc/cassandra. */
export function boundStatefulSet(name: string, replicas: number, prefix: string): k8s.V1StatefulSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name,
      labels,
      annotations: { [configurationAnnotation]: 'medusa', [prefixAnnotation]: prefix },
    },
    spec: {
      serviceName: name,
      replicas,
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'cassandra',
              image: 'cassandra:5.0',
              ports: [{ containerPort: 9042, name: 'cql' }],
              volumeMounts: [
                { name: 'server-data', mountPath: '/var/lib/cassandra' },
                { name: 'server-config', mountPath: '/etc/cassandra' },
              ],
            },
          ],
          volumes: [
            { name: 'server-data', emptyDir: {} },
            { name: 'server-config', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** The service names (test/bed/proc.ts) of the stack serving a namespace: webhook, controller, harness. */
export const stackServices = (namespace: string): string[] => [
  `webhook-${namespace}`,
  `controller-${namespace}`,
  `harness-${namespace}`,
];

/**
 * Stops the stack of a namespace, whether it started fully, partly, or in a run that was killed:
 * harness (it stops its pods' processes and lifts its finalizers), controller, webhook, then the
 * webhook registrations.
 */
export async function stopStack(namespace: string): Promise<void> {
  for (const name of [...stackServices(namespace)].reverse()) await stopService(name, 60_000);
  if (!existsSync(kubeconfigPath)) return; // no control plane was ever set up: nothing registered
  const admission = adminConfig().makeApiClient(k8s.AdmissionregistrationV1Api);
  const name = `medusa-${namespace}`;
  await admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
  await admission.deleteValidatingWebhookConfiguration({ name }).catch(() => undefined);
}

/**
 * Stacks an earlier, killed run of the same test left (namespace `<prefix>-<pid>`, its process
 * gone): their harness would go on running pods on the same Cassandra nodes, restarting the nodes
 * a new run stops and wipes. Stopped, and their namespaces deleted. Call it before touching the
 * nodes; startStack calls it too.
 */
export async function stopStaleStacks(namespace: string): Promise<string[]> {
  const prefix = /^(.*)-\d+$/.exec(namespace)?.[1];
  if (!prefix) return [];
  const stale = new Set<string>();
  for (const service of knownServices()) {
    const m = /^(?:webhook|controller|harness)-(.+)-(\d+)$/.exec(service);
    if (!m || m[1] !== prefix) continue;
    const other = `${m[1]}-${m[2]}`;
    if (other !== namespace && !isAlive(Number(m[2]))) stale.add(other);
  }
  const core = adminConfig().makeApiClient(k8s.CoreV1Api);
  for (const ns of stale) {
    await stopStack(ns);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  }
  return [...stale];
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const kc = adminConfig();
  // Right after installCrds the apiserver may answer 429 while the new CRDs' storage initializes.
  const core = retrying(kc.makeApiClient(k8s.CoreV1Api));
  const apps = retrying(kc.makeApiClient(k8s.AppsV1Api));
  const admission = retrying(kc.makeApiClient(k8s.AdmissionregistrationV1Api));
  const datacenter = o.datacenter ?? 'dc1';
  const port = o.webhookPort ?? 18443;
  const id = o.namespace;
  const services = stackServices(id);
  const stop = () => stopStack(id);
  try {
    // Processes left by a run that was killed would answer in place of ours.
    for (const name of services) await stopService(name);
    await stopStaleStacks(o.namespace);
    await installCrds();

    // Webhook: serving certificate from the control plane's CA, for 127.0.0.1.
    const certDir = join(runDir, 'stack', id, 'webhook-tls');
    mkdirSync(certDir, { recursive: true });
    const serving = issueCert(controlPlaneCa(), certDir, 'serving', 'medusa-webhook', [
      'IP:127.0.0.1',
      'DNS:localhost',
    ]);
    copyFileSync(serving.cert, join(certDir, 'tls.crt'));
    copyFileSync(serving.key, join(certDir, 'tls.key'));
    startService({
      name: services[0]!,
      ...tsx(
        'webhook/main.ts',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--cert-dir',
        certDir,
        '--kubeconfig',
        kubeconfigPath,
      ),
    });
    await waitUntil(services[0]!, () => portOpen('127.0.0.1', port), 60_000);

    await core.createNamespace({ body: { metadata: { name: o.namespace } } }).catch((e: unknown) => {
      if ((e as { code?: number }).code !== 409) throw e;
    });
    const configs = webhookConfigurations({
      name: `medusa-${id}`,
      caBundle: pemBase64(controlPlaneCa().cert),
      target: { url: `https://127.0.0.1:${port}` },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.namespace } },
    });
    // Left over from a run that was killed: replace.
    await admission.deleteMutatingWebhookConfiguration({ name: `medusa-${id}` }).catch(() => undefined);
    await admission.deleteValidatingWebhookConfiguration({ name: `medusa-${id}` }).catch(() => undefined);
    await admission.createMutatingWebhookConfiguration({ body: configs.mutating });
    await admission.createValidatingWebhookConfiguration({ body: configs.validating });

    startService({
      name: services[1]!,
      ...tsx('controller/main.ts'),
      env: {
        KUBECONFIG: kubeconfigPath,
        WATCH_NAMESPACE: o.namespace,
        LEASE_NAMESPACE: o.namespace,
        AGENT_STALE_AFTER_SECONDS: String(o.agentStaleAfterSeconds ?? 30),
      },
    });
    startService({
      name: services[2]!,
      ...tsx(
        'test/harness/cli.ts',
        '--namespace',
        o.namespace,
        '--cluster-hosts',
        o.cluster.nodes.map((n) => n.address.split('.')[3]).join(','),
        '--cassandra-cluster-name',
        o.cluster.name,
        ...(o.cassOperator ? [] : ['--no-cass-operator']),
      ),
      env: { KUBECONFIG: kubeconfigPath },
    });

    // The datacenter's configuration and the bound StatefulSet (the webhook injects the agent).
    if (o.storage.kind === 'minio') {
      await core.createNamespacedSecret({
        namespace: o.namespace,
        body: {
          metadata: { name: 'medusa-bucket-key' },
          stringData: {
            credentials: `[default]\naws_access_key_id = ${minio.accessKeyId}\naws_secret_access_key = ${minio.secretAccessKey}\n`,
          },
        },
      });
    } else {
      mkdirSync(join(localStorageDir, o.storage.bucket), { recursive: true });
    }
    if (o.datacenterObjects === false) return { namespace: o.namespace, datacenter, services, stop };
    const custom = retrying(kc.makeApiClient(k8s.CustomObjectsApi));
    await custom.createNamespacedCustomObject({
      group: 'medusa.k8ssandra.io',
      version: 'v1alpha1',
      namespace: o.namespace,
      plural: 'medusaconfigurations',
      body: medusaConfiguration(o.namespace, o.storage),
    });
    await apps.createNamespacedStatefulSet({
      namespace: o.namespace,
      body: boundStatefulSet(datacenter, o.cluster.nodes.length, o.prefix ?? datacenter),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    namespace: o.namespace,
    datacenter,
    services,
    stop,
  };
}

/** Why a pod is not Ready, from its status as a kubelet (the harness) reports it. */
export function podProblem(pod: k8s.V1Pod): string {
  const s = pod.status;
  const states = [...(s?.initContainerStatuses ?? []), ...(s?.containerStatuses ?? [])].flatMap((c) => {
    const w = c.state?.waiting;
    const t = c.state?.terminated ?? c.lastState?.terminated;
    if (w && w.reason !== 'PodInitializing')
      return [`${c.name}: ${w.reason ?? 'waiting'}${w.message ? ` (${w.message})` : ''}`];
    if (t && t.exitCode !== 0)
      return [`${c.name}: ${t.reason ?? 'exited'} ${t.exitCode}${t.message ? ` (${t.message})` : ''}`];
    return [];
  });
  const conditions = (s?.conditions ?? [])
    .filter((c) => c.status !== 'True' && c.message)
    .map((c) => `${c.type}: ${c.message}`);
  return [`${s?.phase ?? 'no status'}`, ...states, ...conditions].join('; ');
}

/**
 * Waits until every pod of the datacenter is Ready (Cassandra up, agent running). Fails early when
 * the harness process (`harness`, a service name) died, and on the deadline with each pod's
 * problem and the harness log.
 */
export async function waitForDatacenterReady(
  namespace: string,
  datacenter: string,
  replicas: number,
  timeoutMs = 600_000,
  harness?: string,
): Promise<void> {
  const core = retrying(adminConfig().makeApiClient(k8s.CoreV1Api));
  const deadline = Date.now() + timeoutMs;
  const logs = () =>
    harness ? `\nharness log ${logFile(harness)}:\n${logTail(harness)}` : `\nlogs: ${join(runDir, 'logs')}`;
  for (;;) {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${datacenter}` });
    const ready = pods.items.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (ready.length === replicas) return;
    if (harness && runningPid(harness) === undefined)
      throw new Error(`datacenter ${datacenter}: the harness (${harness}) is not running${logs()}`);
    if (Date.now() > deadline) {
      const problems = pods.items
        .filter((p) => !ready.includes(p))
        .map((p) => `  ${p.metadata?.name}: ${podProblem(p)}`);
      const none =
        pods.items.length === 0
          ? `\n  no pods: the StatefulSet controller (kube-controller-manager, log ${logFile('kube-controller-manager')}) created none`
          : '';
      throw new Error(
        `datacenter ${datacenter}: ${ready.length}/${replicas} pods ready after ${timeoutMs / 1000}s${none}\n${problems.join('\n')}${logs()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Waits until a StatefulSet's rolling update is done: every pod on the new revision and Ready. */
export async function waitForRollout(namespace: string, name: string, timeoutMs = 600_000): Promise<void> {
  const apps = retrying(adminConfig().makeApiClient(k8s.AppsV1Api));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sts = await apps.readNamespacedStatefulSet({ name, namespace });
    const s = sts.status;
    const replicas = sts.spec?.replicas ?? 0;
    if (
      (s?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0) &&
      s?.updateRevision === s?.currentRevision &&
      (s?.updatedReplicas ?? 0) === replicas &&
      (s?.readyReplicas ?? 0) === replicas
    ) {
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`StatefulSet ${name}: rollout not done after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
