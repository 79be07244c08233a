import { createHash } from 'node:crypto';
import type { V1Probe, V1ResourceRequirements, V1SecurityContext } from '@kubernetes/client-node';
import type { MedusaConfigurationSpec } from '../../crds/index.js';
import { resolveImage } from '../image.js';
import { grpcPortOf, renderMedusaIni } from '../medusa-ini.js';

/** Everything injection needs, computed from a MedusaConfiguration and the datacenter it is bound to. */
export interface InjectionPlan {
  image: string;
  pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  pullSecrets: string[];
  medusaIni: string;
  grpcPort: number;
  /** Secret with `username` and `password` for CQL. */
  cqlSecret: { name: string; optional: boolean };
  storageSecret?: string;
  /** storageProvider local: the volume source of the shared backup volume. */
  localVolume?: Record<string, unknown>;
  grpcServerSecret?: string;
  certificatesSecret?: string;
  clientEncryptionStores?: MedusaConfigurationSpec['clientEncryptionStores'];
  managementApiSecret?: string;
  securityContext?: V1SecurityContext;
  containerResources?: V1ResourceRequirements;
  initContainerResources?: V1ResourceRequirements;
  readinessProbe?: V1Probe;
  livenessProbe?: V1Probe;
  /** The bound MedusaConfiguration: the sidecar reports its storage checks there. */
  configuration?: string;
  /** Short digest of the plan: changes whenever what is injected changes. */
  hash: string;
}

export interface BoundDatacenter {
  /** Cassandra cluster name, as cass-operator cleans it for object names. */
  cluster: string;
  /** The bucket folder (binding annotation, else the configuration's prefix). */
  prefix: string;
  /** Secret of a management API set up with manual TLS, when the datacenter uses one. */
  managementApiSecret?: string;
  /** How the agent reaches Cassandra (default: the management API). */
  cassandraApi?: 'management-api' | 'jolokia';
  /** Name of the bound MedusaConfiguration (same namespace). */
  configuration?: string;
}

/** The injection plan for a datacenter bound to a (validated, defaulted) configuration. */
export function planInjection(spec: MedusaConfigurationSpec, dc: BoundDatacenter): InjectionPlan {
  const storage = spec.storageProperties;
  if (storage?.storageProvider === undefined) throw new Error('storageProperties.storageProvider is not set');
  const image = resolveImage(spec.containerImage);
  const userSecret = spec.cassandraUserSecretRef?.name;
  const plan: Omit<InjectionPlan, 'hash'> = {
    image: image.image,
    pullPolicy: image.pullPolicy,
    pullSecrets: image.pullSecret ? [image.pullSecret] : [],
    medusaIni: renderMedusaIni({
      storage,
      prefix: dc.prefix,
      serviceProperties: spec.serviceProperties,
      certificatesSecretRef: spec.certificatesSecretRef,
      clientEncryptionStores: spec.clientEncryptionStores,
      managementApiTls: dc.managementApiSecret !== undefined,
      ...(dc.cassandraApi ? { cassandraApi: dc.cassandraApi } : {}),
    }),
    grpcPort: grpcPortOf(spec.serviceProperties),
    // The secret k8ssandra-operator generated is the default; optional so that a cluster without
    // CQL authentication still starts when nobody created it.
    cqlSecret: userSecret
      ? { name: userSecret, optional: false }
      : { name: `${dc.cluster}-medusa`, optional: true },
    ...(spec.storageProperties?.storageSecretRef?.name
      ? { storageSecret: spec.storageProperties.storageSecretRef.name }
      : {}),
    ...(storage.storageProvider === 'local' && storage.localVolume
      ? { localVolume: storage.localVolume }
      : {}),
    ...(spec.serviceProperties?.encryption?.serverSecretName
      ? { grpcServerSecret: spec.serviceProperties.encryption.serverSecretName }
      : {}),
    ...(spec.certificatesSecretRef?.name ? { certificatesSecret: spec.certificatesSecretRef.name } : {}),
    ...(spec.clientEncryptionStores && !spec.certificatesSecretRef?.name
      ? { clientEncryptionStores: spec.clientEncryptionStores }
      : {}),
    ...(dc.managementApiSecret ? { managementApiSecret: dc.managementApiSecret } : {}),
    ...(dc.configuration ? { configuration: dc.configuration } : {}),
    ...(spec.securityContext ? { securityContext: spec.securityContext as V1SecurityContext } : {}),
    ...(spec.containerResources
      ? { containerResources: spec.containerResources as V1ResourceRequirements }
      : {}),
    ...(spec.initContainerResources
      ? { initContainerResources: spec.initContainerResources as V1ResourceRequirements }
      : {}),
    ...(spec.readinessProbe ? { readinessProbe: spec.readinessProbe as V1Probe } : {}),
    ...(spec.livenessProbe ? { livenessProbe: spec.livenessProbe as V1Probe } : {}),
  };
  const hash = createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
  return { ...plan, hash };
}
