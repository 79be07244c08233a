import * as k8s from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { createLogger, type Logger } from '../../../lib/log.js';
import type { CassandraCluster, CassandraNode } from '../../bed/cassandra.js';
import { portOpen } from '../../bed/proc.js';
import { startInformer, type RunningInformer } from '../informer.js';
import { pause } from './abortable.js';
import { ReferenceReader } from './api-reads.js';
import { addFinalizer, removeFinalizer } from './finalizer.js';
import { nodeChooser, type NodeChooser } from './node-binding.js';
import { PodRunner, type Backoff } from './pod-runner.js';
import type { ApiAccess } from './service-account.js';

export interface KubeletOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  /** The real Cassandra cluster whose nodes the pods run as. */
  cluster: CassandraCluster;
  /** Only pods owned by these StatefulSets (default: every pod the label selector matches). */
  statefulSets?: string[];
  labelSelector?: string;
  /** Pod name to index in cluster.nodes; pods not listed go by their StatefulSet ordinal. */
  nodeMap?: Record<string, number>;
  /** Full control over the binding; overrides nodeMap. */
  nodeFor?: NodeChooser;
  backoff?: Partial<Backoff>;
  /**
   * How container processes reach the API: a token of the pod's service account (default; RBAC
   * applies as in a cluster) or the test bed's admin kubeconfig.
   */
  apiAccess?: ApiAccess;
  logger?: Logger;
}

export interface Kubelet {
  /** Pods being run now (name to node), for tests and the CLI. */
  bindings(): Map<string, CassandraNode>;
  /**
   * Stops every container and lifts its finalizer from the pods. Cassandra nodes are stopped too,
   * except those that were already running when the kubelet started (a shared ring stays up).
   */
  stop(): Promise<void>;
}

interface PodRecord {
  runner: PodRunner;
  namespace: string;
  cancelled: boolean;
  /** Resolves true once the runner started (after the node's previous pod let go), false if never. */
  started: Promise<boolean>;
  /** Resolves once the runner has stopped: the node is free for the next pod. */
  released: Promise<void>;
  release(): void;
  terminating?: Promise<void>;
}

/**
 * The kubelet stand-in: runs the pods of a namespace (filtered by StatefulSet or label selector)
 * on the nodes of a real Cassandra cluster, one pod per node at a time.
 */
export async function startKubelet(options: KubeletOptions): Promise<Kubelet> {
  const { kubeConfig, namespace, cluster } = options;
  const logger = (options.logger ?? createLogger('harness-kubelet')).child({ namespace });
  const backoff: Backoff = { initialMs: 10_000, maxMs: 300_000, ...options.backoff };
  const chooseNode = options.nodeFor ?? nodeChooser(cluster, options.nodeMap);
  const reader = new ReferenceReader(kubeConfig, namespace);
  const pods = new Map<string, PodRecord>();
  /** Per node: resolves when the last pod placed on it has let it go. */
  const nodeFree = new Map<string, Promise<void>>();
  const unbound = new Set<string>();
  /** Nodes already up before the kubelet started: left running when it stops. */
  const upBefore = new Set(cluster.nodes.filter((n) => n.isRunning()).map((n) => n.service));

  const activeOn = (node: CassandraNode): boolean =>
    [...pods.values()].some((r) => r.runner.node === node && !r.cancelled);

  const context = {
    kubeConfig,
    reader,
    logger,
    backoff,
    apiAccess: options.apiAccess ?? 'service-account',
    // Like CassandraCluster.start: the seed serves CQL before the others start, when its pod runs.
    async cassandraStartGate(node: CassandraNode, signal: AbortSignal): Promise<void> {
      const seed = cluster.nodes[0];
      if (!seed || seed === node) return;
      while (activeOn(seed) && !(seed.isRunning() && (await portOpen(seed.address, seed.cqlPort)))) {
        if (!(await pause(2000, signal))) return;
      }
    },
  };

  const owned = (pod: V1Pod): boolean => {
    if (!options.statefulSets) return true;
    return (pod.metadata?.ownerReferences ?? []).some(
      (ref) => ref.kind === 'StatefulSet' && options.statefulSets?.includes(ref.name),
    );
  };

  function place(pod: V1Pod): void {
    const meta = pod.metadata ?? {};
    const uid = meta.uid ?? '';
    const node = chooseNode(pod);
    if (!node) {
      if (!unbound.has(uid)) logger.warn('no Cassandra node for pod; left Pending', { pod: meta.name });
      unbound.add(uid);
      return;
    }
    const runner = new PodRunner(context, pod, node);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = nodeFree.get(node.service) ?? Promise.resolve();
    const record: PodRecord = {
      runner,
      namespace,
      cancelled: false,
      started: Promise.resolve(false),
      released,
      release,
    };
    record.started = (async () => {
      await previous;
      if (record.cancelled) return false;
      await addFinalizer(kubeConfig, namespace, runner.name, uid);
      if (record.cancelled) return false;
      runner.start();
      return true;
    })().catch((error: unknown) => {
      logger.error('pod start failed', { pod: runner.name, error });
      return false;
    });
    nodeFree.set(
      node.service,
      record.started.then(() => released),
    );
    pods.set(uid, record);
  }

  function terminate(uid: string, kubeletStopping: boolean): Promise<void> {
    const record = pods.get(uid);
    if (!record) return Promise.resolve();
    record.terminating ??= (async () => {
      record.cancelled = true;
      const started = await record.started;
      if (started)
        await record.runner.stop({ keepNode: kubeletStopping && upBefore.has(record.runner.node.service) });
      record.release();
      await removeFinalizer(kubeConfig, namespace, record.runner.name, uid).catch((error: unknown) =>
        logger.warn('could not remove the finalizer', { pod: record.runner.name, error }),
      );
      pods.delete(uid);
    })();
    return record.terminating;
  }

  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const informer: RunningInformer<V1Pod> = await startInformer<V1Pod>(
    kubeConfig,
    `/api/v1/namespaces/${namespace}/pods`,
    () =>
      core.listNamespacedPod({
        namespace,
        ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      }),
    {
      upsert(pod) {
        if (!owned(pod)) return;
        const uid = pod.metadata?.uid ?? '';
        if (pod.metadata?.deletionTimestamp) {
          if (pods.has(uid)) void terminate(uid, false);
          else
            void removeFinalizer(kubeConfig, namespace, pod.metadata.name ?? '', uid).catch(() => undefined);
          return;
        }
        if (!pods.has(uid)) place(pod);
      },
      remove(pod) {
        void terminate(pod.metadata?.uid ?? '', false);
      },
    },
    logger,
    options.labelSelector,
  );
  logger.info('kubelet stand-in watching pods', {
    cluster: cluster.name,
    statefulSets: options.statefulSets,
  });

  return {
    bindings: () =>
      new Map([...pods.values()].filter((r) => !r.cancelled).map((r) => [r.runner.name, r.runner.node])),
    async stop() {
      await informer.stop();
      await Promise.all([...pods.keys()].map((uid) => terminate(uid, true)));
      logger.info('kubelet stand-in stopped');
    },
  };
}
