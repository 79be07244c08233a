import { isDeepStrictEqual } from 'node:util';
import {
  bindingErrors,
  configurationAnnotation,
  prefixAnnotation,
  readBinding,
  resolvePrefix,
  validateMedusaConfiguration,
} from '../../crds/index.js';
import { missingConfigurationWarning } from '../binding.js';
import { bucketSecretOf, missingSecretForPods } from '../../lib/secret-presence.js';
import { resources, type KubeObject } from '../cluster.js';
import { bucketKey, clusterKey, writers, type BindingHolder } from './writers.js';
import { prefixProblems } from './prefix.js';
import type { Findings, ValidationContext } from './result.js';

// The binding annotations on a CassandraDatacenter or a StatefulSet.

/**
 * The bucket secret is mounted from the datacenter's own namespace (k8ssandra-operator no longer
 * copies it either): when it is not there, the pods will not start. A warning, not a refusal: GitOps
 * and secret operators (sealed-secrets, external-secrets) create it in any order.
 */
async function warnOfMissingSecret(
  configuration: string,
  spec: { storageProperties?: unknown },
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const secret = bucketSecretOf(spec);
  if (!secret || !ctx.reader.secret) return;
  const presence = await ctx.reader.secret(ctx.namespace, secret);
  if (presence.state === 'missing')
    out.warnings.push(
      `${configurationAnnotation}: ${missingSecretForPods(secret, ctx.namespace, configuration)}`,
    );
}

const annotationField = (key: string) => `metadata.annotations[${key}]`;

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
    // GitOps applies a folder in any order, and k8ssandra-operator reconciles once the configuration
    // appears: store the binding, say what happens meanwhile (webhook/binding.ts awaitingConfiguration).
    out.warnings.push(missingConfigurationWarning(binding.configuration, ctx.namespace));
    return;
  }
  const checked = validateMedusaConfiguration(configuration);
  const spec = checked.ok ? checked.value.spec : undefined;
  if (!spec) return;
  await warnOfMissingSecret(binding.configuration, spec, ctx, out);
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
