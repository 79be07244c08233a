import {
  readBinding,
  resolvePrefix,
  validateMedusaConfiguration,
  type MedusaConfigurationSpec,
} from '../../crds/index.js';
import { resources, type KubeObject } from '../cluster.js';
import { clusterLabel, cleanupForKubernetes } from '../../lib/cass-operator.js';
import type { ValidationContext } from './result.js';

// Who writes where: bound datacenters, their Cassandra cluster, bucket and prefix. Two clusters
// writing one prefix of one bucket would overwrite each other's backups.

export type BindingHolder = 'CassandraDatacenter' | 'StatefulSet';

/** Identity of the Cassandra cluster an object belongs to: datacenters of one cluster share a prefix. */
export function clusterKey(holder: BindingHolder, object: KubeObject): string {
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const namespace = text(object.metadata?.namespace);
  const cluster =
    holder === 'CassandraDatacenter'
      ? text(object.spec?.clusterName)
      : text(object.metadata?.labels?.[clusterLabel]);
  return `${namespace}/${cleanupForKubernetes(cluster || text(object.metadata?.name))}`;
}

/** Where a configuration writes: provider, endpoint and bucket. */
export function bucketKey(spec: MedusaConfigurationSpec): string {
  const s = spec.storageProperties;
  const endpoint = s?.host ? `${s.host}${s.port ? `:${s.port}` : ''}` : '';
  return `${s?.storageProvider ?? ''}://${endpoint}/${s?.bucketName ?? ''}`;
}

export interface Writer {
  holder: BindingHolder;
  namespace: string;
  name: string;
  cluster: string;
  bucket: string;
  prefix: string;
  /** `namespace/name` of the MedusaConfiguration it is bound to. */
  configuration: string;
}

/**
 * Every bound datacenter of the cluster (all namespaces) with where it writes; `override` stands for a
 * configuration as it would be after the change being admitted.
 */
export async function writers(
  ctx: ValidationContext,
  override?: { key: string; spec: MedusaConfigurationSpec },
): Promise<Writer[]> {
  const [datacenters, statefulSets, configurations] = await Promise.all([
    ctx.reader.list(resources.datacenter),
    ctx.reader.list(resources.statefulSet),
    ctx.reader.list(resources.configuration),
  ]);
  const specs = new Map<string, MedusaConfigurationSpec>();
  for (const c of configurations) {
    const checked = validateMedusaConfiguration(c);
    if (checked.ok && checked.value.spec)
      specs.set(`${c.metadata?.namespace}/${c.metadata?.name}`, checked.value.spec);
  }
  if (override) specs.set(override.key, override.spec);
  const result: Writer[] = [];
  const add = (holder: BindingHolder, object: KubeObject) => {
    const binding = readBinding(object.metadata?.annotations);
    const namespace = object.metadata?.namespace ?? '';
    const configuration = `${namespace}/${binding?.configuration}`;
    const spec = binding && specs.get(configuration);
    const prefix = binding && spec && resolvePrefix(binding, spec);
    if (!spec || !prefix) return;
    result.push({
      holder,
      namespace,
      name: object.metadata?.name ?? '',
      cluster: clusterKey(holder, object),
      bucket: bucketKey(spec),
      prefix,
      configuration,
    });
  };
  datacenters.forEach((dc) => add('CassandraDatacenter', dc));
  statefulSets.forEach((sts) => add('StatefulSet', sts));
  return result;
}
