import type {
  V1Condition,
  V1ObjectMeta,
  V1PersistentVolumeClaimSpec,
  V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { cleanupForKubernetes, splitRacks, statefulSetName } from '../../../lib/cass-operator.js';

// The CassandraDatacenter as the stand-in reads it, and cass-operator's names and labels (§6.1-6.2
// of k8ssandra-medusa-api.md).

export const api = { group: 'cassandra.datastax.com', version: 'v1beta1', plural: 'cassandradatacenters' };

export interface CassandraDatacenter {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta & { name: string; namespace?: string };
  spec: {
    clusterName: string;
    datacenterName?: string;
    serverType?: string;
    serverVersion?: string;
    size: number;
    stopped?: boolean;
    racks?: { name: string }[];
    podTemplateSpec?: V1PodTemplateSpec;
    storageConfig?: { cassandraDataVolumeClaimSpec?: V1PersistentVolumeClaimSpec };
    additionalLabels?: Record<string, string>;
  };
  status?: DatacenterStatus;
}

export interface DatacenterStatus {
  cassandraOperatorProgress?: 'Ready' | 'Updating';
  conditions?: (Omit<V1Condition, 'lastTransitionTime' | 'message' | 'reason'> & {
    lastTransitionTime: string;
    message: string;
    reason: string;
  })[];
  observedGeneration?: number;
  datacenterName?: string;
  lastServerNodeStarted?: string;
}

export const labels = {
  cluster: 'cassandra.datastax.com/cluster',
  datacenter: 'cassandra.datastax.com/datacenter',
  rack: 'cassandra.datastax.com/rack',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** cass-operator CleanLabelValue: no spaces, only characters valid in label values. */
export const cleanLabelValue = (value: string): string =>
  value
    .replace(/\s/g, '')
    .replace(/[^-A-Za-z0-9_.]/g, '')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
    .slice(0, 63);

export const rackNames = (dc: CassandraDatacenter): string[] =>
  dc.spec.racks && dc.spec.racks.length > 0 ? dc.spec.racks.map((r) => r.name) : ['default'];

/** LabelResourceName: status.datacenterName once set, else the object name. */
export const labelResourceName = (dc: CassandraDatacenter): string =>
  cleanupForKubernetes(dc.status?.datacenterName ?? dc.metadata.name);

export const rackStatefulSetName = (dc: CassandraDatacenter, rack: string): string =>
  statefulSetName(dc.spec.clusterName, labelResourceName(dc), rack);

export const allPodsServiceName = (dc: CassandraDatacenter): string =>
  `${cleanupForKubernetes(dc.spec.clusterName)}-${labelResourceName(dc)}-all-pods-service`;

/** Nodes per rack: 0 everywhere while stopped. */
export function rackSizes(dc: CassandraDatacenter): number[] {
  const racks = rackNames(dc);
  return dc.spec.stopped ? racks.map(() => 0) : splitRacks(dc.spec.size, racks.length);
}

/** The cluster + datacenter labels selecting every pod of the datacenter. */
export function datacenterLabels(dc: CassandraDatacenter): Record<string, string> {
  return {
    [labels.cluster]: cleanLabelValue(dc.spec.clusterName),
    [labels.datacenter]: cleanLabelValue(dc.metadata.name),
  };
}

/** Labels of a rack's StatefulSet and of its pods (the selector uses cluster, datacenter, rack). */
export function rackLabels(dc: CassandraDatacenter, rack: string): Record<string, string> {
  return {
    ...dc.spec.additionalLabels,
    ...datacenterLabels(dc),
    [labels.rack]: cleanLabelValue(rack),
    [labels.managedBy]: 'cass-operator',
    'app.kubernetes.io/name': 'cassandra',
    'app.kubernetes.io/instance': `cassandra-${cleanLabelValue(dc.spec.clusterName)}`,
    'app.kubernetes.io/version': cleanLabelValue(dc.spec.serverVersion ?? ''),
    'app.kubernetes.io/created-by': 'cass-operator',
  };
}
