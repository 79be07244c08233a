import type {
  V1Container,
  V1EnvVar,
  V1PodTemplateSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { type CassandraDatacenter, rackLabels } from './datacenter.js';

// The pod template cass-operator builds for a rack, merged with spec.podTemplateSpec by container
// name (user fields over ours, env and volume mounts merged by name, user init containers keep
// their order with server-config-init filled in where they put it, else first).

const dataMount: V1VolumeMount = { name: 'server-data', mountPath: '/var/lib/cassandra' };
const configMount: V1VolumeMount = { name: 'server-config', mountPath: '/config' };
const logsMount: V1VolumeMount = { name: 'server-logs', mountPath: '/var/log/cassandra' };

function configInit(dc: CassandraDatacenter, rack: string): V1Container {
  return {
    name: 'server-config-init',
    image: 'datastax/cass-config-builder:1.0-ubi',
    env: [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'RACK_NAME', value: rack },
      { name: 'PRODUCT_VERSION', value: dc.spec.serverVersion ?? '' },
      { name: 'PRODUCT_NAME', value: dc.spec.serverType ?? 'cassandra' },
    ],
    volumeMounts: [configMount],
  };
}

function cassandra(dc: CassandraDatacenter): V1Container {
  return {
    name: 'cassandra',
    image: `k8ssandra/cass-management-api:${dc.spec.serverVersion ?? '5.0'}`,
    env: [
      { name: 'USE_MGMT_API', value: 'true' },
      { name: 'MGMT_API_EXPLICIT_START', value: 'true' },
      { name: 'DS_LICENSE', value: 'accept' },
    ],
    ports: [
      { name: 'native', containerPort: 9042 },
      { name: 'internode', containerPort: 7000 },
      { name: 'jmx', containerPort: 7199 },
      { name: 'mgmt-api-http', containerPort: 8080 },
    ],
    volumeMounts: [logsMount, dataMount, configMount],
  };
}

const systemLogger: V1Container = {
  name: 'server-system-logger',
  image: 'k8ssandra/system-logger:v1.22.0',
  volumeMounts: [logsMount],
};

function mergeByName<T extends { name: string }>(ours: T[] | undefined, theirs: T[] | undefined): T[] {
  const result = [...(ours ?? [])];
  for (const item of theirs ?? []) {
    const at = result.findIndex((o) => o.name === item.name);
    if (at === -1) result.push(item);
    else result[at] = item;
  }
  return result;
}

function mergeMounts(
  ours: V1VolumeMount[] | undefined,
  theirs: V1VolumeMount[] | undefined,
): V1VolumeMount[] {
  const result = [...(ours ?? [])];
  for (const mount of theirs ?? []) {
    const at = result.findIndex((m) => m.name === mount.name || m.mountPath === mount.mountPath);
    if (at === -1) result.push(mount);
    else result[at] = mount;
  }
  return result;
}

function mergeContainer(ours: V1Container, theirs: V1Container | undefined): V1Container {
  if (!theirs) return ours;
  return {
    ...ours,
    ...theirs,
    image: theirs.image ?? ours.image,
    env: mergeByName<V1EnvVar>(ours.env, theirs.env),
    volumeMounts: mergeMounts(ours.volumeMounts, theirs.volumeMounts),
  };
}

/** Ours merged with the user's same-named containers, in the order `order` gives. */
function mergeContainers(
  ours: V1Container[],
  theirs: V1Container[] | undefined,
  init: boolean,
): V1Container[] {
  const user = theirs ?? [];
  const byName = new Map(user.map((c) => [c.name, c]));
  if (init) {
    // The user's list decides the order; our server-config-init goes where they put it, else first.
    const result = user.map((c) => {
      const base = ours.find((o) => o.name === c.name);
      return base ? mergeContainer(base, c) : c;
    });
    const missing = ours.filter((o) => !byName.has(o.name));
    return [...missing, ...result];
  }
  const merged = ours.map((o) => mergeContainer(o, byName.get(o.name)));
  return [...merged, ...user.filter((c) => !ours.some((o) => o.name === c.name))];
}

export function rackPodTemplate(dc: CassandraDatacenter, rack: string): V1PodTemplateSpec {
  const user = dc.spec.podTemplateSpec ?? {};
  const userSpec = user.spec ?? { containers: [] };
  const volumes: V1Volume[] = [
    { name: 'server-config', emptyDir: {} },
    { name: 'server-logs', emptyDir: {} },
  ];
  // Without a claim template the data lives in an emptyDir (the harness maps either to the node).
  if (!dc.spec.storageConfig?.cassandraDataVolumeClaimSpec)
    volumes.push({ name: 'server-data', emptyDir: {} });
  return {
    metadata: {
      ...user.metadata,
      labels: { ...user.metadata?.labels, ...rackLabels(dc, rack) },
      ...(user.metadata?.annotations ? { annotations: user.metadata.annotations } : {}),
    },
    spec: {
      ...userSpec,
      terminationGracePeriodSeconds: userSpec.terminationGracePeriodSeconds ?? 120,
      initContainers: mergeContainers([configInit(dc, rack)], userSpec.initContainers, true),
      containers: mergeContainers([cassandra(dc), systemLogger], userSpec.containers, false),
      volumes: mergeByName(volumes, userSpec.volumes),
    },
  };
}
