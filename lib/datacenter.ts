// Which Cassandra datacenter a name means in a namespace: a cass-operator CassandraDatacenter of
// that name, else a plain StatefulSet of that name (bound on its own with the binding annotations).
// The one owner of that lookup and of what follows from the object (bound or not, size, racks, pod
// names, Cassandra's name of the datacenter): the webhook (webhook/validate/datacenter.ts), the
// controller and the plugin all ask here.
import type * as k8s from '@kubernetes/client-node';
import { configurationAnnotation } from '../crds/binding.js';
// cass-operator's naming rules (k8ssandra-medusa-api.md §6.1) have their owner there.
import { splitRacks, statefulSetName } from './cass-operator.js';

export const cassOperator = {
  group: 'cassandra.datastax.com',
  version: 'v1beta1',
  plural: 'cassandradatacenters',
  datacenterLabel: 'cassandra.datastax.com/datacenter',
  clusterLabel: 'cassandra.datastax.com/cluster',
} as const;

/** The fields of a CassandraDatacenter or StatefulSet the model reads (raw API objects fit). */
export interface DatacenterObject {
  metadata?: { name?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: object;
  status?: object;
}

/** What the two readers (client-node clients, the webhook's ClusterReader) must answer. */
export interface DatacenterSource {
  /** undefined when there is none of that name, or cass-operator's CRD is not installed. */
  cassandraDatacenter(namespace: string, name: string): Promise<DatacenterObject | undefined>;
  statefulSet(namespace: string, name: string): Promise<DatacenterObject | undefined>;
}

/** A datacenter as every runtime sees it. */
export interface DatacenterModel {
  kind: 'CassandraDatacenter' | 'StatefulSet';
  name: string;
  namespace: string;
  annotations: Record<string, string>;
  /** Bound to a MedusaConfiguration (its annotation is set on the object). */
  bound: boolean;
  /** Nodes the spec asks for: spec.size, or spec.replicas (Kubernetes' default 1 when unset). */
  size: number;
  /**
   * Cassandra's name of the datacenter: a CassandraDatacenter's spec.datacenterName, else its object
   * name; a plain StatefulSet's from the datacenter variable its image reads (plainDatacenterEnv),
   * else unknown (undefined): the name of a StatefulSet says nothing of Cassandra's own.
   */
  cassandraName?: string;
  /** Racks of a CassandraDatacenter (spec.racks; one `default` rack when none is declared). */
  racks?: { names: string[]; declared: boolean };
  /** Pod names the spec implies, in rack order (cass-operator's StatefulSet names for a cassdc). */
  pods: string[];
  /** Label selector of the datacenter's pods. */
  podSelector: string;
  /** CassandraDatacenter only: spec.stopped. */
  stopped?: boolean;
}

/** A datacenter with the StatefulSets running its pods, as the controller and the plugin need it. */
export interface Datacenter extends DatacenterModel {
  statefulSets: k8s.V1StatefulSet[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The model of a CassandraDatacenter object. */
export function cassandraDatacenterModel(namespace: string, dc: DatacenterObject): DatacenterModel {
  const name = dc.metadata?.name ?? '';
  const spec = (dc.spec ?? {}) as Record<string, unknown>;
  const size = typeof spec.size === 'number' ? spec.size : 0;
  const declared = Array.isArray(spec.racks)
    ? (spec.racks as { name?: string }[]).map((r) => r.name ?? '')
    : [];
  const racks = declared.length > 0 ? declared : ['default'];
  // Pod names use LabelResourceName: status.datacenterName once set, else the object name.
  const labelName = text((dc.status as { datacenterName?: unknown } | undefined)?.datacenterName) ?? name;
  const counts = splitRacks(size, racks.length);
  const cluster = text(spec.clusterName) ?? '';
  const annotations = dc.metadata?.annotations ?? {};
  return {
    kind: 'CassandraDatacenter',
    name,
    namespace,
    annotations,
    bound: annotations[configurationAnnotation] !== undefined,
    size,
    cassandraName: text(spec.datacenterName) ?? name,
    racks: { names: racks, declared: declared.length > 0 },
    pods: racks.flatMap((rack, i) =>
      Array.from({ length: counts[i] ?? 0 }, (_, n) => `${statefulSetName(cluster, labelName, rack)}-${n}`),
    ),
    podSelector: `${cassOperator.datacenterLabel}=${name}`,
    stopped: spec.stopped === true,
  };
}

/**
 * The variables the common Cassandra images take the datacenter's name from: the official image's
 * CASSANDRA_DC (written into cassandra-rackdc.properties) and Bitnami's CASSANDRA_DATACENTER.
 */
export const plainDatacenterEnv = ['CASSANDRA_DC', 'CASSANDRA_DATACENTER'] as const;

/** A plain StatefulSet's Cassandra datacenter name, when its pod template sets one literally. */
function plainCassandraName(sts: DatacenterObject): string | undefined {
  const containers =
    (sts.spec as { template?: { spec?: { containers?: k8s.V1Container[] } } } | undefined)?.template?.spec
      ?.containers ?? [];
  for (const container of containers)
    for (const variable of plainDatacenterEnv) {
      const value = text(container.env?.find((e) => e.name === variable)?.value);
      if (value) return value;
    }
  return undefined;
}

/** spec.replicas as Kubernetes reads it: 1 when unset. */
export const replicasOf = (sts: { spec?: { replicas?: unknown } }): number =>
  typeof sts.spec?.replicas === 'number' ? sts.spec.replicas : 1;

/** The model of a plain StatefulSet datacenter. */
export function statefulSetModel(namespace: string, sts: DatacenterObject): DatacenterModel {
  const name = sts.metadata?.name ?? '';
  const replicas = replicasOf(sts);
  const annotations = sts.metadata?.annotations ?? {};
  const cassandraName = plainCassandraName(sts);
  const matchLabels =
    (sts.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
      ?.matchLabels ?? {};
  return {
    kind: 'StatefulSet',
    name,
    namespace,
    annotations,
    bound: annotations[configurationAnnotation] !== undefined,
    size: replicas,
    ...(cassandraName ? { cassandraName } : {}),
    pods: Array.from({ length: replicas }, (_, i) => `${name}-${i}`),
    podSelector: Object.entries(matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  };
}

/**
 * The datacenter a name means in a namespace (with the object it was read from), or undefined
 * when nothing of that name exists.
 */
export async function lookupDatacenter(
  source: DatacenterSource,
  namespace: string,
  name: string,
): Promise<(DatacenterModel & { object: DatacenterObject }) | undefined> {
  const cassdc = await source.cassandraDatacenter(namespace, name);
  if (cassdc) return { ...cassandraDatacenterModel(namespace, cassdc), object: cassdc };
  const sts = await source.statefulSet(namespace, name);
  return sts ? { ...statefulSetModel(namespace, sts), object: sts } : undefined;
}

interface Clients {
  custom: k8s.CustomObjectsApi;
  apps: k8s.AppsV1Api;
}

const notFound = (e: unknown) => (e as { code?: number }).code === 404;
const unlessNotFound = (e: unknown) => (notFound(e) ? undefined : Promise.reject(e));

/** lookupDatacenter through client-node clients. */
export const clientSource = (clients: Clients): DatacenterSource => ({
  cassandraDatacenter: (namespace, name) =>
    clients.custom
      .getNamespacedCustomObject({ ...cassOperator, namespace, name })
      .then((o) => o as DatacenterObject)
      // 404: no such object, or cass-operator's CRD is not installed: fall back to StatefulSets.
      .catch(unlessNotFound),
  statefulSet: (namespace, name) =>
    clients.apps
      .readNamespacedStatefulSet({ name, namespace })
      .then((o) => o as DatacenterObject)
      .catch(unlessNotFound),
});

/** The datacenter and its StatefulSets, or undefined when nothing of that name exists. */
export async function findDatacenter(
  clients: Clients,
  namespace: string,
  name: string,
): Promise<Datacenter | undefined> {
  const found = await lookupDatacenter(clientSource(clients), namespace, name);
  if (!found) return undefined;
  const { object, ...model } = found;
  if (model.kind === 'StatefulSet') return { ...model, statefulSets: [object as k8s.V1StatefulSet] };
  const sets = await clients.apps.listNamespacedStatefulSet({ namespace, labelSelector: model.podSelector });
  return { ...model, statefulSets: sets.items };
}

/** Pod names a datacenter has now, from its StatefulSets' replica counts (name-ordinal). */
export function expectedPods(dc: Datacenter): string[] {
  return dc.statefulSets.flatMap((sts) =>
    Array.from({ length: replicasOf(sts) }, (_, i) => `${sts.metadata?.name ?? ''}-${i}`),
  );
}
