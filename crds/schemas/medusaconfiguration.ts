import { z } from 'zod';
import { conditions, crdMeta, listMap, localObjectReference, time } from '../common.js';
import { defineKind } from '../define-kind.js';
import {
  encryptionStoresSchema,
  imageSchema,
  probeSchema,
  resourcesSchema,
  securityContextSchema,
} from './container.js';
import { checkedStorageSchema, serviceSchema } from './storage.js';

/**
 * The container and service settings k8ssandra-operator keeps in K8ssandraCluster spec.medusa,
 * under the same names, so that a `medusa:` block moves over field for field.
 */
export const medusaContainerFields = {
  containerImage: crdMeta(imageSchema, {
    description: 'Medusa image; each field set overrides the default.',
  }).optional(),
  securityContext: crdMeta(securityContextSchema, {
    description: 'Security context of the medusa and medusa-restore containers.',
  }).optional(),
  cassandraUserSecretRef: crdMeta(localObjectReference(), {
    description: 'Secret with the CQL username and password Medusa uses.',
  }).optional(),
  serviceProperties: crdMeta(serviceSchema, { description: 'Medusa gRPC service settings.' }).optional(),
  certificatesSecretRef: crdMeta(localObjectReference(), {
    description: 'Deprecated: secret with rootca.crt, client.crt_signed and client.key.',
  }).optional(),
  clientEncryptionStores: crdMeta(encryptionStoresSchema, {
    description: 'Stores used when Cassandra client encryption is on.',
  }).optional(),
  initContainerResources: crdMeta(resourcesSchema, {
    description: 'Resources of medusa-restore.',
  }).optional(),
  containerResources: crdMeta(resourcesSchema, {
    description: 'Resources of the medusa sidecar.',
  }).optional(),
  readinessProbe: crdMeta(probeSchema, {
    description: 'Timings of the medusa readiness probe; the handler must stay the default.',
  }).optional(),
  livenessProbe: crdMeta(probeSchema, {
    description: 'Timings of the medusa liveness probe; the handler must stay the default.',
  }).optional(),
  purgeBackups: crdMeta(z.boolean().default(true), {
    description: 'Keep a daily purge MedusaBackupSchedule for every bound datacenter.',
  }),
};

export const medusaConfigurationSpecSchema = crdMeta(
  z.object({
    storageProperties: crdMeta(checkedStorageSchema, {
      description: 'StorageProperties defines the storage backend settings to use for the backups.',
    }).optional(),
    ...medusaContainerFields,
  }),
  { description: 'MedusaConfigurationSpec defines the desired state of MedusaConfiguration.' },
);

export const medusaConfigurationConditionTypes = ['SecretAvailable', 'StorageReachable', 'Ready'] as const;

/** One pod's last check of the storage (its medusa sidecar, agent/pod/storage-check.ts). */
export const storageCheckSchema = z.object({
  node: crdMeta(z.string().min(1).max(253), { description: 'Pod whose medusa sidecar checked the storage.' }),
  reachable: crdMeta(z.boolean(), {
    description: 'Whether the bucket could be listed with its credentials.',
  }),
  error: crdMeta(z.string().max(4096), { description: 'Why not, when it could not.' }).optional(),
  lastCheckTime: time(),
});

export const medusaConfigurationStatusSchema = z.object({
  conditions: conditions().optional(),
  storageChecks: listMap(
    z.array(storageCheckSchema).max(1024),
    ['node'],
    'Per pod: its last check of the storage (kubectl-medusa extension).',
  ).optional(),
  lastStorageCheck: crdMeta(time(), {
    description: 'When the newest check counted in StorageReachable was made (kubectl-medusa extension).',
  }).optional(),
});

export const medusaConfiguration = defineKind({
  kind: 'MedusaConfiguration',
  plural: 'medusaconfigurations',
  singular: 'medusaconfiguration',
  description: 'MedusaConfiguration holds the storage and container settings datacenters bind to.',
  spec: medusaConfigurationSpecSchema,
  status: medusaConfigurationStatusSchema,
  printerColumns: [
    {
      name: 'Ready',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
      description: 'Ready condition',
    },
    {
      name: 'SecretAvailable',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="SecretAvailable")].status',
      description: 'Whether the bucket secret exists in the namespace',
    },
    {
      name: 'StorageReachable',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="StorageReachable")].status',
      description: 'Whether the pods bound to it reach the bucket',
    },
    {
      name: 'Last Check',
      type: 'date',
      jsonPath: '.status.lastStorageCheck',
      description: 'When the storage was last checked',
      priority: 1,
    },
    {
      name: 'Message',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].message',
      description: 'Why it is not ready',
      priority: 1,
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type MedusaConfigurationSpec = z.output<typeof medusaConfigurationSpecSchema>;
export type MedusaConfigurationStatus = z.output<typeof medusaConfigurationStatusSchema>;
export type MedusaConfiguration = z.output<typeof medusaConfiguration.schema>;
/** A manifest as written, before the apiserver applies defaults. */
export type MedusaConfigurationManifest = z.input<typeof medusaConfiguration.schema>;
