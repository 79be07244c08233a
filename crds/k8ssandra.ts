import { z } from 'zod';
import { configurationAnnotation, prefixAnnotation } from './binding.js';
import { apiVersion } from './common.js';
import type { MedusaConfiguration, MedusaConfigurationSpec } from './schemas/medusaconfiguration.js';
import { medusaContainerFields } from './schemas/medusaconfiguration.js';
import { storageSchema } from './schemas/storage.js';

/** k8ssandra `MedusaClusterTemplate`: the `medusa:` block of a K8ssandraCluster spec. */
export const medusaClusterTemplateSchema = z.object({
  medusaConfigurationRef: z
    .object({
      name: z.string().optional(),
      namespace: z.string().optional(),
      apiVersion: z.string().optional(),
      kind: z.string().optional(),
      fieldPath: z.string().optional(),
      resourceVersion: z.string().optional(),
      uid: z.string().optional(),
    })
    .optional(),
  storageProperties: storageSchema.optional(),
  ...medusaContainerFields,
});
export type MedusaClusterTemplate = z.input<typeof medusaClusterTemplateSchema>;

/** The parts of a K8ssandraCluster the conversion reads. */
export interface K8ssandraClusterMedusaSource {
  metadata: { name: string; namespace?: string };
  spec: {
    medusa?: MedusaClusterTemplate;
    cassandra?: { clusterName?: string };
    secretsProvider?: 'internal' | 'external';
  };
}

export interface ConversionOptions {
  /** Name of the MedusaConfiguration to create; defaults to `<cluster>-medusa`. */
  configurationName?: string;
  /** Spec of the MedusaConfiguration named by medusaConfigurationRef, required when one is set. */
  referencedConfiguration?: MedusaConfigurationSpec;
}

export interface ConvertedMedusa {
  /** The MedusaConfiguration to create, in the K8ssandraCluster's namespace. */
  configuration: MedusaConfiguration;
  /** Annotations to put on every CassandraDatacenter (or StatefulSet) of the cluster. */
  annotations: Record<string, string>;
  /** What the conversion decided on the user's behalf. */
  notes: string[];
}

/** cass-operator CleanupForKubernetes: valid DNS-1035 labels pass, others are lowercased and stripped. */
export function cleanupForKubernetes(name: string): string {
  if (/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 63) return name;
  return name
    .toLowerCase()
    .replaceAll('_', '-')
    .replace(/[^a-z0-9-]/g, '');
}

/**
 * Turns the `medusa:` block of a K8ssandraCluster into a MedusaConfiguration plus the binding
 * annotations, keeping what k8ssandra-operator would have rendered: the same storage settings
 * (merged as the operator merges a medusaConfigurationRef), the same bucket prefix and the
 * same CQL user secret.
 */
export function convertK8ssandraClusterMedusa(
  cluster: K8ssandraClusterMedusaSource,
  options: ConversionOptions = {},
): ConvertedMedusa {
  const medusa = cluster.spec.medusa;
  const clusterName = cluster.metadata.name;
  if (medusa === undefined) throw new Error(`K8ssandraCluster ${clusterName} has no spec.medusa block`);
  const parsed = medusaClusterTemplateSchema.safeParse(medusa);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `spec.medusa.${i.path.join('.')}: ${i.message}`);
    throw new Error(`K8ssandraCluster ${clusterName}: ${issues.join('; ')}`);
  }
  checkLikeTheK8ssandraWebhook(medusa, clusterName);

  const notes: string[] = [];
  const { medusaConfigurationRef, storageProperties, ...containerSettings } = medusa;
  const refName = medusaConfigurationRef?.name ?? '';
  let storage: Record<string, unknown> = { ...(storageProperties ?? {}) };
  let base: Record<string, unknown> = {};
  if (refName !== '') {
    if (options.referencedConfiguration === undefined) {
      throw new Error(
        `K8ssandraCluster ${clusterName} uses medusaConfigurationRef ${refName}: pass its spec as referencedConfiguration`,
      );
    }
    const { storageProperties: baseStorage, ...baseRest } = options.referencedConfiguration;
    base = baseRest;
    // k8ssandra-operator: the configuration is the base, non-zero K8ssandraCluster values win.
    storage = mergeNonZero(baseStorage ?? {}, storage);
    notes.push(`merged MedusaConfiguration ${refName} with the K8ssandraCluster's storageProperties`);
  }

  const prefix = nonEmpty(storage.prefix) ?? clusterName;
  if (storage.prefix === undefined || storage.prefix === '') {
    notes.push(`prefix was empty: k8ssandra-operator used the cluster name "${clusterName}"`);
  }
  delete storage.prefix;

  const spec: Record<string, unknown> = { ...base, ...containerSettings, storageProperties: storage };
  const userSecret = medusa.cassandraUserSecretRef?.name ?? '';
  if (userSecret === '' && cluster.spec.secretsProvider !== 'external') {
    const generated = `${cleanupForKubernetes(cluster.spec.cassandra?.clusterName || clusterName)}-medusa`;
    spec.cassandraUserSecretRef = { name: generated };
    notes.push(`cassandraUserSecretRef set to ${generated}, the secret k8ssandra-operator generated`);
  }
  notes.push('remove spec.medusa from the K8ssandraCluster, or its operator keeps injecting its own sidecar');

  const name = options.configurationName ?? `${clusterName}-medusa`;
  const metadata: MedusaConfiguration['metadata'] = { name };
  if (cluster.metadata.namespace !== undefined) metadata.namespace = cluster.metadata.namespace;
  return {
    configuration: {
      apiVersion,
      kind: 'MedusaConfiguration',
      metadata,
      spec: spec as MedusaConfigurationSpec,
    },
    annotations: { [configurationAnnotation]: name, [prefixAnnotation]: prefix },
    notes,
  };
}

/** The K8ssandraCluster webhook's Medusa rules (§2.1): refuse what k8ssandra-operator refuses. */
function checkLikeTheK8ssandraWebhook(medusa: MedusaClusterTemplate, clusterName: string): void {
  const ref = medusa.medusaConfigurationRef;
  const storage = medusa.storageProperties;
  const problems: string[] = [];
  if (nonEmpty(ref?.name) !== undefined) {
    if (nonEmpty(storage?.prefix) === undefined) {
      problems.push('medusa storage prefix must be set when a medusaConfigurationRef is used');
    }
    if (nonEmpty(ref?.namespace) !== undefined) problems.push('Medusa config must be namespace local');
    const extra = [ref?.apiVersion, ref?.kind, ref?.fieldPath, ref?.resourceVersion, ref?.uid];
    if (extra.some((v) => nonEmpty(v) !== undefined))
      problems.push('Medusa config invalid, invalid field used');
  } else {
    if (nonEmpty(storage?.storageProvider) === undefined) {
      problems.push('medusa storage provider must be set when no medusaConfigurationRef is used');
    }
    if (nonEmpty(storage?.bucketName) === undefined) {
      problems.push('medusa bucket name must be set when no medusaConfigurationRef is used');
    }
  }
  if (storage?.storageProvider === 'local') {
    // k8ssandra-operator removed the local provider; ours lives in MedusaConfiguration with a volume.
    problems.push(
      'spec.medusa.storageProperties.storageProvider: local is not a K8ssandraCluster provider; use a MedusaConfiguration with storageProvider local and localVolume',
    );
  }
  if (problems.length > 0) throw new Error(`K8ssandraCluster ${clusterName}: ${problems.join('; ')}`);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.values(value).every(isZero);
}

/** Deep merge where only non-zero override values win (goalesce, as k8ssandra-operator merges). */
export function mergeNonZero(base: object, override: object): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    if (isPlainObject(value) && isPlainObject(current)) merged[key] = mergeNonZero(current, value);
    else if (!isZero(value) || current === undefined) merged[key] = value;
  }
  return merged;
}
