import * as k8s from '@kubernetes/client-node';
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { KubeApiError, customPath, kubeRequest } from '../../../lib/kube-request.js';
import { createLogger, type Logger } from '../../../lib/log.js';
import { startInformer, type RunningInformer } from '../informer.js';
import { installDatacenterCrd } from './crd.js';
import {
  api,
  type CassandraDatacenter,
  datacenterLabels,
  labels,
  rackNames,
  rackSizes,
  rackStatefulSetName,
} from './datacenter.js';
import { nextStatus } from './status.js';
import {
  copiedAnnotationPrefix,
  generationAnnotation,
  rackStatefulSet,
  resourceHashAnnotation,
} from './statefulset.js';

export interface CassOperatorOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  logger?: Logger;
  /** Every datacenter is reconciled at least this often (default 3 s), besides on changes. */
  resyncMs?: number;
}

export interface CassOperator {
  /** Rack names of a datacenter, in spec order (for binding pods to nodes). */
  racksOf(datacenter: string): string[] | undefined;
  stop(): Promise<void>;
}

const notFound = (e: unknown) => e instanceof KubeApiError && e.code === 404;

/**
 * The cass-operator stand-in: for each CassandraDatacenter of the namespace, keeps one StatefulSet
 * per rack as cass-operator names, labels and fills it, scales them for spec.size and spec.stopped,
 * and reports status (progress and conditions) from what the pods show.
 */
export async function startCassOperator(options: CassOperatorOptions): Promise<CassOperator> {
  const { kubeConfig, namespace } = options;
  const logger = (options.logger ?? createLogger('harness-cass-operator')).child({ namespace });
  await installDatacenterCrd(kubeConfig);
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const dirty = new Set<string>();
  let stopping = false;
  let wake: () => void = () => {};

  const touch = (name: string | undefined) => {
    if (!name) return;
    dirty.add(name);
    wake();
  };
  const ownerDatacenter = (o: { metadata?: k8s.V1ObjectMeta }) => o.metadata?.labels?.[labels.datacenter];

  const datacenters: RunningInformer<CassandraDatacenter & k8s.KubernetesObject> = await startInformer(
    kubeConfig,
    customPath(api.group, api.version, api.plural, namespace),
    () =>
      custom.listNamespacedCustomObject({ ...api, namespace }) as Promise<
        k8s.KubernetesListObject<CassandraDatacenter & k8s.KubernetesObject>
      >,
    { upsert: (dc) => touch(dc.metadata.name), remove: () => undefined },
    logger,
  );
  const managedBy = `${labels.managedBy}=cass-operator`;
  const statefulSets: RunningInformer<V1StatefulSet> = await startInformer(
    kubeConfig,
    `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
    () => apps.listNamespacedStatefulSet({ namespace, labelSelector: managedBy }),
    { upsert: (s) => touch(ownerDatacenter(s)), remove: (s) => touch(ownerDatacenter(s)) },
    logger,
    managedBy,
  );
  const pods: RunningInformer<V1Pod> = await startInformer(
    kubeConfig,
    `/api/v1/namespaces/${namespace}/pods`,
    () => core.listNamespacedPod({ namespace, labelSelector: managedBy }),
    { upsert: (p) => touch(ownerDatacenter(p)), remove: (p) => touch(ownerDatacenter(p)) },
    logger,
    managedBy,
  );

  const datacenterPath = (name: string, sub?: string) =>
    customPath(api.group, api.version, api.plural, namespace, name, sub);

  /** Creates, scales and (when the datacenter's generation moved) updates one rack's StatefulSet. */
  async function syncRack(
    dc: CassandraDatacenter,
    rack: string,
    replicas: number,
  ): Promise<{ sts: V1StatefulSet; templateChanged: boolean }> {
    const desired = rackStatefulSet(dc, rack, replicas);
    const name = rackStatefulSetName(dc, rack);
    const live = await apps
      .readNamespacedStatefulSet({ name, namespace })
      .catch((e: unknown) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e)));
    if (!live) {
      logger.info('creating StatefulSet', { datacenter: dc.metadata.name, statefulSet: name, replicas });
      return {
        sts: await apps.createNamespacedStatefulSet({ namespace, body: desired }),
        templateChanged: false,
      };
    }
    const liveAnnotations = live.metadata?.annotations ?? {};
    const wantedAnnotations = desired.metadata?.annotations ?? {};
    const annotations: Record<string, string | null> = {};
    for (const key of Object.keys(liveAnnotations)) {
      if (key.startsWith(copiedAnnotationPrefix) && !(key in wantedAnnotations)) annotations[key] = null;
    }
    for (const [key, value] of Object.entries(wantedAnnotations)) {
      if (key.startsWith(copiedAnnotationPrefix) && liveAnnotations[key] !== value) annotations[key] = value;
    }
    const spec: Record<string, unknown> = {};
    // UpdateAllowed: the template follows the spec only when the datacenter generation changed.
    const templateChanged =
      liveAnnotations[resourceHashAnnotation] !== wantedAnnotations[resourceHashAnnotation] &&
      liveAnnotations[generationAnnotation] !== wantedAnnotations[generationAnnotation];
    if (templateChanged) {
      spec.template = desired.spec?.template;
      annotations[resourceHashAnnotation] = wantedAnnotations[resourceHashAnnotation] ?? null;
      annotations[generationAnnotation] = wantedAnnotations[generationAnnotation] ?? null;
      logger.info('updating StatefulSet template', { statefulSet: name, generation: dc.metadata.generation });
    }
    if (live.spec?.replicas !== replicas) {
      spec.replicas = replicas;
      logger.info('scaling StatefulSet', { statefulSet: name, replicas });
    }
    if (Object.keys(spec).length === 0 && Object.keys(annotations).length === 0) {
      return { sts: live, templateChanged: false };
    }
    const patched = await kubeRequest<V1StatefulSet>(
      kubeConfig,
      'PATCH',
      `/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`,
      { metadata: { annotations }, spec },
      { patchType: 'merge' },
    );
    return { sts: patched, templateChanged };
  }

  async function reconcile(name: string): Promise<void> {
    const dc = await kubeRequest<CassandraDatacenter>(kubeConfig, 'GET', datacenterPath(name)).catch(
      (e: unknown) => (notFound(e) ? undefined : Promise.reject(e)),
    );
    if (!dc || dc.metadata.deletionTimestamp) return;
    const sizes = rackSizes(dc);
    const racks = await Promise.all(
      rackNames(dc).map(async (rack, i) => {
        const replicas = sizes[i] ?? 0;
        const synced = await syncRack(dc, rack, replicas);
        return { ...synced, replicas };
      }),
    );
    const selector = datacenterLabels(dc);
    const dcPods = pods
      .list()
      .filter((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
    const status = nextStatus(
      dc,
      { racks, pods: dcPods, templateChanged: racks.some((r) => r.templateChanged) },
      new Date().toISOString(),
    );
    if (JSON.stringify(status) === JSON.stringify(dc.status ?? {})) return;
    if (status.cassandraOperatorProgress !== dc.status?.cassandraOperatorProgress) {
      logger.info('datacenter progress', { datacenter: name, progress: status.cassandraOperatorProgress });
    }
    await kubeRequest(
      kubeConfig,
      'PATCH',
      datacenterPath(name, 'status'),
      { status },
      { patchType: 'merge' },
    );
  }

  const worker = (async () => {
    while (!stopping) {
      const names = [...dirty];
      dirty.clear();
      for (const name of names) {
        if (stopping) break;
        await reconcile(name).catch((error: unknown) => {
          logger.warn('reconcile failed; retrying', { datacenter: name, error });
          setTimeout(() => touch(name), 1000);
        });
      }
      if (dirty.size === 0 && !stopping) await new Promise<void>((resolve) => (wake = resolve));
    }
  })();
  const resync = setInterval(() => {
    for (const dc of datacenters.list()) touch(dc.metadata.name);
  }, options.resyncMs ?? 3000);
  logger.info('cass-operator stand-in watching CassandraDatacenters');

  return {
    racksOf: (datacenter) => {
      const dc = datacenters.list().find((d) => d.metadata.name === datacenter);
      return dc ? rackNames(dc) : undefined;
    },
    async stop() {
      stopping = true;
      clearInterval(resync);
      wake();
      await worker;
      await Promise.all([datacenters.stop(), statefulSets.stop(), pods.stop()]);
      logger.info('cass-operator stand-in stopped');
    },
  };
}
