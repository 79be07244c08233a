import { isDeepStrictEqual } from 'node:util';
import {
  bindingErrors,
  configurationAnnotation,
  prefixAnnotation,
  readBinding,
  resolvePrefix,
  validateMedusaConfiguration,
  type MedusaConfigurationSpec,
} from '../../crds/index.js';
import { resources, type KubeObject } from '../cluster.js';
import { clusterLabel, cleanupForKubernetes } from '../names.js';
import { prefixProblems } from './prefix.js';
import type { Findings, ValidationContext } from './result.js';

// The binding annotations on a CassandraDatacenter or a StatefulSet.

export type BindingHolder = 'CassandraDatacenter' | 'StatefulSet';

const annotationField = (key: string) => `metadata.annotations[${key}]`;

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

interface Writer {
  holder: BindingHolder;
  namespace: string;
  name: string;
  cluster: string;
  bucket: string;
  prefix: string;
}

async function writers(ctx: ValidationContext): Promise<Writer[]> {
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
  const result: Writer[] = [];
  const add = (holder: BindingHolder, object: KubeObject) => {
    const binding = readBinding(object.metadata?.annotations);
    const namespace = object.metadata?.namespace ?? '';
    const spec = binding && specs.get(`${namespace}/${binding.configuration}`);
    const prefix = binding && spec && resolvePrefix(binding, spec);
    if (!spec || !prefix) return;
    result.push({
      holder,
      namespace,
      name: object.metadata?.name ?? '',
      cluster: clusterKey(holder, object),
      bucket: bucketKey(spec),
      prefix,
    });
  };
  datacenters.forEach((dc) => add('CassandraDatacenter', dc));
  statefulSets.forEach((sts) => add('StatefulSet', sts));
  return result;
}

const bindingOf = (holder: BindingHolder, object: KubeObject | undefined) => ({
  annotations: {
    configuration: object?.metadata?.annotations?.[configurationAnnotation],
    prefix: object?.metadata?.annotations?.[prefixAnnotation],
  },
  cluster: object ? clusterKey(holder, object) : undefined,
});

export async function validateBinding(
  holder: BindingHolder,
  object: KubeObject,
  oldObject: KubeObject | undefined,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const annotations = object.metadata?.annotations;
  const binding = readBinding(annotations);
  if (!binding && annotations?.[prefixAnnotation] === undefined) return;
  // Updates that leave the binding alone (status, scaling, cass-operator's own edits) pass quickly.
  if (oldObject && isDeepStrictEqual(bindingOf(holder, object), bindingOf(holder, oldObject))) return;
  for (const error of bindingErrors(annotations)) {
    // The prefix rules below are stricter than crds/ (a single folder): report those once.
    if (binding && error.field === prefixAnnotation) continue;
    out.causes.push({ field: annotationField(error.field), message: error.message });
  }
  if (binding?.prefix !== undefined) {
    for (const problem of prefixProblems(binding.prefix)) {
      out.causes.push({ field: annotationField(prefixAnnotation), message: problem });
    }
  }
  if (!binding || out.causes.length > 0) return;
  const configuration = await ctx.reader.get(resources.configuration, ctx.namespace, binding.configuration);
  if (!configuration) {
    out.causes.push({
      field: annotationField(configurationAnnotation),
      message: `MedusaConfiguration "${binding.configuration}" does not exist in namespace ${ctx.namespace}`,
      reason: 'FieldValueNotFound',
    });
    return;
  }
  const checked = validateMedusaConfiguration(configuration);
  const spec = checked.ok ? checked.value.spec : undefined;
  if (!spec) return;
  const prefix = resolvePrefix(binding, spec);
  if (prefix === undefined) {
    out.causes.push({
      field: annotationField(prefixAnnotation),
      message: `is required: MedusaConfiguration "${binding.configuration}" is shared and has no storageProperties.prefix`,
      reason: 'FieldValueRequired',
    });
    return;
  }
  const self = {
    holder,
    namespace: ctx.namespace,
    name: object.metadata?.name ?? '',
    cluster: clusterKey(holder, { ...object, metadata: { ...object.metadata, namespace: ctx.namespace } }),
    bucket: bucketKey(spec),
  };
  const clash = (await writers(ctx)).find(
    (w) =>
      w.bucket === self.bucket &&
      w.prefix === prefix &&
      w.cluster !== self.cluster &&
      !(w.holder === holder && w.namespace === self.namespace && w.name === self.name),
  );
  if (clash) {
    out.causes.push({
      field: annotationField(prefixAnnotation),
      message: `prefix "${prefix}" of bucket ${self.bucket} is already used by cluster ${clash.cluster} (${clash.holder} ${clash.namespace}/${clash.name}): two clusters writing one prefix overwrite each other's backups; choose another prefix`,
      reason: 'FieldValueInvalid',
    });
  }
}
