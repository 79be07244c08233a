// Which backed-up node each target pod restores: by explicit hostMapping, else pairing nodes and
// pods in rack order (pods by ordinal, nodes by first token), as k8ssandra-operator does. Only the
// nodes of the target's Cassandra datacenter take part: a backup of a multi-datacenter cluster
// (a Medusa tokenmap lists every node of the ring) restores into one of its datacenters.
import { tokenText } from '../../lib/json64.js';
import type { RestoreMapping } from '../../lib/restore-contract.js';

export interface BackupNodeInfo {
  host?: string;
  rack?: string;
  datacenter?: string;
  tokens?: (number | bigint | string)[];
}

export interface TargetPod {
  name: string;
  rack: string;
}

const firstToken = (n: BackupNodeInfo) => (n.tokens?.length ? BigInt(tokenText(n.tokens[0]!)) : 0n);
const ordinal = (pod: string) => Number(/-(\d+)$/.exec(pod)?.[1] ?? 0);

/**
 * The nodes of one Cassandra datacenter (k8ssandra-operator's GetHostMap keeps those whose
 * datacenter is the target's). Nodes without placement (backups older than Medusa's dc/rack
 * tokenmap) all stay.
 */
export function nodesOfDatacenter(nodes: BackupNodeInfo[], datacenter: string | undefined): BackupNodeInfo[] {
  if (datacenter === undefined) return nodes;
  return nodes.filter((n) => n.datacenter === undefined || n.datacenter === datacenter);
}

/**
 * The mapping, or an error message when the backup does not fit the datacenter. `datacenter` is
 * the target's Cassandra datacenter name (spec.datacenterName, else the object name).
 */
export function computeMapping(
  allNodes: BackupNodeInfo[],
  pods: TargetPod[],
  options: { inPlace: boolean; datacenter?: string; explicit?: { target: string; source: string }[] },
): RestoreMapping | string {
  const nodes = nodesOfDatacenter(allNodes, options.datacenter);
  const inDc = options.datacenter !== undefined && nodes.length !== allNodes.length;
  if (nodes.length === 0 && allNodes.length > 0) {
    const held = [...new Set(allNodes.map((n) => n.datacenter))].sort().join(', ');
    return `the backup has no node of datacenter ${options.datacenter} (it holds ${held}): restore into a datacenter of the same Cassandra name`;
  }
  if (nodes.length !== pods.length) {
    const where = inDc ? ` in datacenter ${options.datacenter}` : '';
    return `the backup has ${nodes.length} nodes${where} but the datacenter has ${pods.length} pods: restore into a datacenter of the same size`;
  }
  const hostMap: RestoreMapping['host_map'] = {};
  if (options.explicit?.length) {
    const hosts = new Set(nodes.map((n) => n.host));
    for (const m of options.explicit) {
      if (!pods.some((p) => p.name === m.target))
        return `hostMapping target ${m.target} is not a pod of the datacenter`;
      if (!hosts.has(m.source)) {
        const where = inDc ? ` in datacenter ${options.datacenter}` : '';
        return `hostMapping source ${m.source} is not a node of the backup${where}`;
      }
      hostMap[m.target] = { source: [m.source], seed: false };
    }
    if (Object.keys(hostMap).length !== pods.length)
      return 'hostMapping must name every pod of the datacenter';
  } else {
    const sortedNodes = [...nodes].sort(
      (a, b) =>
        (a.rack ?? '').localeCompare(b.rack ?? '') ||
        (firstToken(a) < firstToken(b) ? -1 : firstToken(a) > firstToken(b) ? 1 : 0),
    );
    const sortedPods = [...pods].sort(
      (a, b) => a.rack.localeCompare(b.rack) || ordinal(a.name) - ordinal(b.name),
    );
    sortedPods.forEach((pod, i) => {
      hostMap[pod.name] = { source: [sortedNodes[i]?.host ?? ''], seed: false };
    });
  }
  const first = Object.keys(hostMap).sort((a, b) => ordinal(a) - ordinal(b))[0];
  if (first) hostMap[first]!.seed = true;
  return { in_place: options.inPlace, host_map: hostMap };
}
