import type { V1Pod } from '@kubernetes/client-node';

// Downward API field paths (env fieldRef and downwardAPI volume items), resolved as the kubelet
// does, with status.podIP and status.hostIP being the bound Cassandra node's 127.0.0.x address.

export interface PodIdentity {
  pod: V1Pod;
  /** The pod's IP here: the address of the Cassandra node it is bound to. */
  podIp: string;
}

/** `k="v"` lines sorted by key, the format of metadata.labels and metadata.annotations files. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key] ?? '')}`)
    .join('\n');
}

export function fieldValue(fieldPath: string, { pod, podIp }: PodIdentity): string | undefined {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) {
    const map = keyed[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[keyed[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name;
    case 'metadata.namespace':
      return meta.namespace;
    case 'metadata.uid':
      return meta.uid;
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? 'medusa-harness';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
    case 'status.hostIP':
    case 'status.hostIPs':
      return podIp;
    default:
      return undefined;
  }
}
