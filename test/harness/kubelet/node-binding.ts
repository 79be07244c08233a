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
