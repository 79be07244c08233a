import type { V1StatefulSet } from '@kubernetes/client-node';
import {
  awaitingConfigurationAnnotation,
  configurationAnnotation,
  prefixAnnotation,
  readBinding,
  resolvePrefix,
  validateMedusaConfiguration,
  type MedusaBinding,
  type MedusaConfigurationSpec,
} from '../crds/index.js';
import { resources, type ClusterReader, type KubeObject } from './cluster.js';
import { InjectionError } from './inject/statefulset.js';
import { clusterLabel, cleanupForKubernetes, datacenterKind, datacenterLabel } from '../lib/cass-operator.js';

// Which StatefulSets opted in, and to what: the StatefulSet's own annotations, else those of the
// CassandraDatacenter that cass-operator built it for.

export type BindingLookup =
  | { bound: false; reason: string }
  | {
      bound: true;
      binding: MedusaBinding;
      /** Where the binding annotations are: `metadata.annotations` of the StatefulSet or of the DC. */
      source: 'StatefulSet' | 'CassandraDatacenter';
      cluster: string;
      datacenter?: KubeObject;
    };

/** The CassandraDatacenter a cass-operator StatefulSet belongs to: its owner, else its label. */
export function datacenterNameOf(sts: V1StatefulSet): string | undefined {
  const owner = sts.metadata?.ownerReferences?.find((o) => o.kind === datacenterKind)?.name;
  return owner ?? sts.metadata?.labels?.[datacenterLabel];
}

function isCassOperatorShaped(sts: V1StatefulSet): boolean {
  const labels = sts.metadata?.labels ?? {};
  return labels[clusterLabel] !== undefined && labels[datacenterLabel] !== undefined;
}

const clusterNameOf = (dc: KubeObject | undefined): string | undefined => {
  const name = dc?.spec?.clusterName;
  return typeof name === 'string' && name !== '' ? cleanupForKubernetes(name) : undefined;
};

export async function findBinding(
  sts: V1StatefulSet,
  namespace: string,
  reader: ClusterReader,
): Promise<BindingLookup> {
  const own = readBinding(sts.metadata?.annotations);
  const stsName = sts.metadata?.name ?? sts.metadata?.generateName ?? 'statefulset';
  const labelCluster = sts.metadata?.labels?.[clusterLabel];
  const dcName = isCassOperatorShaped(sts) ? datacenterNameOf(sts) : undefined;
  const datacenter = dcName ? await reader.get(resources.datacenter, namespace, dcName) : undefined;
  const cluster = clusterNameOf(datacenter) ?? cleanupForKubernetes(labelCluster ?? stsName);
  if (own) {
    return {
      bound: true,
      binding: own,
      source: 'StatefulSet',
      cluster,
      ...(datacenter ? { datacenter } : {}),
    };
  }
  if (!dcName)
    return { bound: false, reason: `no ${configurationAnnotation} annotation and no cass-operator labels` };
  if (!datacenter) return { bound: false, reason: `CassandraDatacenter ${namespace}/${dcName} not found` };
  const fromDc = readBinding(datacenter.metadata?.annotations);
  if (!fromDc)
    return { bound: false, reason: `CassandraDatacenter ${dcName} has no ${configurationAnnotation}` };
  return { bound: true, binding: fromDc, source: 'CassandraDatacenter', cluster, datacenter };
}

/**
 * What admission says of a binding to a MedusaConfiguration that does not exist yet: the object is
 * stored, its pods run Cassandra without Medusa, and get Medusa when the configuration is created.
 */
export const missingConfigurationWarning = (configuration: string, namespace: string): string =>
  `${configurationAnnotation}: MedusaConfiguration "${configuration}" does not exist in namespace ${namespace} yet: ` +
  `the pods run without Medusa (pod annotation ${awaitingConfigurationAnnotation}) until it is created, then roll to get it`;

/** The bound MedusaConfiguration does not exist (yet): not a refusal, see missingConfigurationWarning. */
export class MissingConfiguration extends Error {
  constructor(readonly configuration: string) {
    super(`MedusaConfiguration "${configuration}" does not exist`);
  }
}

export interface ResolvedConfiguration {
  spec: MedusaConfigurationSpec;
  prefix: string;
}

/** The bound MedusaConfiguration, checked and with defaults, and the prefix that applies. */
export async function resolveConfiguration(
  binding: MedusaBinding,
  source: string,
  namespace: string,
  reader: ClusterReader,
): Promise<ResolvedConfiguration> {
  const field = `${source} metadata.annotations[${configurationAnnotation}]`;
  const object = await reader.get(resources.configuration, namespace, binding.configuration);
  if (!object) throw new MissingConfiguration(binding.configuration);
  const checked = validateMedusaConfiguration(object);
  if (!checked.ok) {
    const first = checked.errors[0];
    throw new InjectionError(
      field,
      `MedusaConfiguration "${binding.configuration}" is invalid (${first?.path}: ${first?.message})`,
    );
  }
  const spec = checked.value.spec ?? { purgeBackups: true };
  if (spec.storageProperties?.storageProvider === undefined) {
    throw new InjectionError(
      field,
      `MedusaConfiguration "${binding.configuration}" has no spec.storageProperties.storageProvider`,
    );
  }
  const prefix = resolvePrefix(binding, spec);
  if (prefix === undefined) {
    throw new InjectionError(
      `${source} metadata.annotations[${prefixAnnotation}]`,
      `is required: MedusaConfiguration "${binding.configuration}" has no storageProperties.prefix`,
    );
  }
  return { spec, prefix };
}

/** The secret of a management API set up with manual TLS (cass-operator managementApiAuth). */
export function managementApiSecretOf(datacenter: KubeObject | undefined): string | undefined {
  const auth = datacenter?.spec?.managementApiAuth as { manual?: { clientSecretName?: string } } | undefined;
  const name = auth?.manual?.clientSecretName;
  return name ? name : undefined;
}
