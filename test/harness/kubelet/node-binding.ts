import type { V1Pod } from '@kubernetes/client-node';
import type { CassandraCluster, CassandraNode } from '../../bed/cassandra.js';

// Which real Cassandra node a pod runs on: an explicit pod-name map first, else the StatefulSet
// ordinal (pod `<sts>-<n>` on the cluster's node n). Several StatefulSets (racks) sharing one
// cluster need the explicit map or a function, since their ordinals overlap.

export type NodeChooser = (pod: V1Pod) => CassandraNode | undefined;

export function ordinalOf(podName: string): number | undefined {
  const match = /-(\d+)$/.exec(podName);
  return match ? Number(match[1]) : undefined;
}

export function nodeChooser(cluster: CassandraCluster, byPodName: Record<string, number> = {}): NodeChooser {
  return (pod) => {
    const name = pod.metadata?.name ?? '';
    const index = byPodName[name] ?? ordinalOf(name);
    return index === undefined ? undefined : cluster.nodes[index];
  };
}

/**
 * For cass-operator pods (rack label set): racks interleave, so rack r's ordinal n runs on node
 * n * racks + r (three racks of one: nodes 0, 1, 2; rack1 of two with size 3: nodes 0 and 2).
 * Other pods go by `fallback`.
 */
export function rackAwareChooser(
  cluster: CassandraCluster,
  racksOf: (datacenter: string) => string[] | undefined,
  fallback: NodeChooser = nodeChooser(cluster),
): NodeChooser {
  return (pod) => {
    const podLabels = pod.metadata?.labels ?? {};
    const rack = podLabels['cassandra.datastax.com/rack'];
    const datacenter = podLabels['cassandra.datastax.com/datacenter'];
    const ordinal = ordinalOf(pod.metadata?.name ?? '');
    const racks = datacenter ? racksOf(datacenter) : undefined;
    if (rack === undefined || !racks || ordinal === undefined) return fallback(pod);
    const rackIndex = racks.findIndex((r) => r === rack || r.toLowerCase() === rack.toLowerCase());
    return rackIndex === -1 ? undefined : cluster.nodes[ordinal * racks.length + rackIndex];
  };
}
