// cass-operator naming and labelling rules (k8ssandra-medusa-api.md §6) that the webhook, the controller and the plugin rely on.

export const clusterLabel = 'cassandra.datastax.com/cluster';
export const datacenterLabel = 'cassandra.datastax.com/datacenter';
export const rackLabel = 'cassandra.datastax.com/rack';

export const datacenterGroup = 'cassandra.datastax.com';
export const datacenterVersion = 'v1beta1';
export const datacenterPlural = 'cassandradatacenters';
export const datacenterKind = 'CassandraDatacenter';

const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** cass-operator CleanupForKubernetes: keeps DNS-1035 input, else lowercases, `_` to `-`, drops the rest. */
export function cleanupForKubernetes(name: string): string {
  if (dns1035.test(name) && name.length <= 63) return name;
  return name
    .toLowerCase()
    .replace(/_/g, '-')
    .replace(/[^-a-z0-9]/g, '');
}

/** cass-operator CleanupSubdomain, used for rack names inside StatefulSet names. */
export function cleanupSubdomain(name: string): string {
  return name
    .toLowerCase()
    .replace(/_/g, '-')
    .replace(/[^-a-z0-9.]/g, '');
}

/** `<cluster>-<dc>-<rack>-sts`, the StatefulSet cass-operator creates for one rack. */
export function statefulSetName(cluster: string, datacenter: string, rack: string): string {
  return `${cleanupForKubernetes(cluster)}-${cleanupForKubernetes(datacenter)}-${cleanupSubdomain(rack)}-sts`;
}

/** Node counts per rack as cass-operator SplitRacks computes them: the first size % n racks get one more. */
export function splitRacks(size: number, racks: number): number[] {
  if (racks <= 0) return [];
  const base = Math.floor(size / racks);
  const extra = size % racks;
  return Array.from({ length: racks }, (_, i) => base + (i < extra ? 1 : 0));
}
