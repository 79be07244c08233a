// Finds a Cassandra datacenter by name: a cass-operator CassandraDatacenter, or a plain StatefulSet
// that opted in with the binding annotations. Used by the plugin and the controller.
import type * as k8s from '@kubernetes/client-node';

export const cassOperator = {
  group: 'cassandra.datastax.com',
  version: 'v1beta1',
  plural: 'cassandradatacenters',
  datacenterLabel: 'cassandra.datastax.com/datacenter',
  clusterLabel: 'cassandra.datastax.com/cluster',
} as const;

export interface Datacenter {
  kind: 'CassandraDatacenter' | 'StatefulSet';
  name: string;
  namespace: string;
  annotations: Record<string, string>;
  /** The StatefulSets running the datacenter's pods. */
  statefulSets: k8s.V1StatefulSet[];
  /** Label selector of the datacenter's pods. */
  podSelector: string;
  /** CassandraDatacenter only: spec.stopped. */
  stopped?: boolean;
}

interface Clients {
  custom: k8s.CustomObjectsApi;
  apps: k8s.AppsV1Api;
}

const notFound = (e: unknown) => (e as { code?: number }).code === 404;

/** The datacenter, or undefined when nothing of that name exists in the namespace. */
export async function findDatacenter(
  clients: Clients,
  namespace: string,
  name: string,
): Promise<Datacenter | undefined> {
  const cassdc = await clients.custom
    .getNamespacedCustomObject({
      group: cassOperator.group,
      version: cassOperator.version,
      namespace,
      plural: cassOperator.plural,
      name,
    })
    // 404: no such object, or cass-operator's CRD is not installed: fall back to StatefulSets.
    .catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e)));
  if (cassdc) {
    const dc = cassdc as { metadata?: k8s.V1ObjectMeta; spec?: { stopped?: boolean } };
    const selector = `${cassOperator.datacenterLabel}=${name}`;
    const sets = await clients.apps.listNamespacedStatefulSet({ namespace, labelSelector: selector });
    return {
      kind: 'CassandraDatacenter',
      name,
      namespace,
      annotations: dc.metadata?.annotations ?? {},
      statefulSets: sets.items,
      podSelector: selector,
      stopped: dc.spec?.stopped ?? false,
    };
  }
  const byName = await clients.apps
    .readNamespacedStatefulSet({ name, namespace })
    .catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e)));
  if (!byName) return undefined;
  const matchLabels = byName.spec?.selector?.matchLabels ?? {};
  return {
    kind: 'StatefulSet',
    name,
    namespace,
    annotations: byName.metadata?.annotations ?? {},
    statefulSets: [byName],
    podSelector: Object.entries(matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  };
}

/** Pod names a datacenter should have, from its StatefulSets' replica counts (name-ordinal). */
export function expectedPods(dc: Datacenter): string[] {
  return dc.statefulSets.flatMap((sts) =>
    Array.from({ length: sts.spec?.replicas ?? 0 }, (_, i) => `${sts.metadata?.name ?? ''}-${i}`),
  );
}
