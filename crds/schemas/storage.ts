import { z } from 'zod';
import { crdMeta, goInt, localObjectReference, quantity, withRules } from '../common.js';

export const storageProviders = [
  'google_storage',
  'azure_blobs',
  's3',
  's3_compatible',
  's3_rgw',
  'ibm_storage',
  // Not in k8ssandra-operator (removed there): a shared volume (NFS, ReadWriteMany PVC, hostPath)
  // mounted at /mnt/backups in the medusa containers; cassandra-medusa's own `local` provider.
  'local',
] as const;
export type StorageProvider = (typeof storageProviders)[number];

/** Providers that talk to a self-hosted endpoint and so cannot work without `host`. */
export const providersNeedingHost: readonly StorageProvider[] = ['s3_compatible', 's3_rgw', 'ibm_storage'];

export const credentialsTypes = ['role-based', 'credential-based'] as const;

export const podStorageSchema = z.object({
  storageClassName: z.string().optional(),
  size: crdMeta(quantity().default('10Gi'), { description: 'Legacy local-provider volume size.' }),
  accessModes: z.array(z.string()).optional(),
});

/** k8ssandra `Storage` (medusa_types.go), field for field. */
export const storageFields = {
  storageProvider: crdMeta(z.enum(storageProviders), {
    description: 'The storage backend to use for the backups.',
  }).optional(),
  credentialsType: crdMeta(z.enum(credentialsTypes), {
    description:
      'role-based (IRSA, workload identity) needs no secret; credential-based needs storageSecretRef.',
  }).optional(),
  storageSecretRef: crdMeta(localObjectReference(), {
    description: 'Secret holding the provider key file under the key "credentials".',
  }).optional(),
  bucketName: z.string().optional(),
  prefix: crdMeta(z.string(), { description: 'Top-level folder in the bucket.' }).optional(),
  maxBackupAge: crdMeta(goInt().default(0), { description: 'Purge retention in days; 0 is unlimited.' }),
  maxBackupCount: crdMeta(goInt().default(0), { description: 'Purge retention by count; 0 is unlimited.' }),
  apiProfile: z.string().optional(),
  transferMaxBandwidth: z.string().default('50MB/s'),
  concurrentTransfers: goInt().default(0),
  multiPartUploadThreshold: goInt().default(104857600),
  host: z.string().optional(),
  region: z.string().optional(),
  port: goInt().optional(),
  secure: z.boolean().optional(),
  sslVerify: z.boolean().optional(),
  backupGracePeriodInDays: goInt().optional(),
  podStorage: crdMeta(podStorageSchema, {
    description: 'Unused legacy setting, kept for compatibility.',
  }).optional(),
  localVolume: crdMeta(z.record(z.string(), z.unknown()), {
    description:
      'storageProvider local: a pod volume source (nfs, persistentVolumeClaim of a ReadWriteMany claim, hostPath) shared by every node, mounted at /mnt/backups (kubectl-medusa extension).',
    'x-kubernetes-preserve-unknown-fields': true,
  }).optional(),
};

/** Storage exactly as k8ssandra-operator declares it (no rules): K8ssandraCluster spec.medusa. */
export const storageSchema = z.object(storageFields);
export type Storage = z.output<typeof storageSchema>;

const secretName = (s: Storage): boolean => (s.storageSecretRef?.name ?? '') !== '';

/**
 * Storage as a MedusaConfiguration declares it: the same fields plus the checks k8ssandra-operator
 * only makes at reconcile time (§2.4), moved to admission.
 */
export const checkedStorageSchema = withRules(storageSchema, [
  {
    rule: "!(has(self.storageSecretRef) && self.storageSecretRef.name != '' && has(self.credentialsType) && self.credentialsType == 'role-based')",
    message: 'cannot specify both a storage secret and role-based credentials',
    fieldPath: '.storageSecretRef.name',
    reason: 'FieldValueForbidden',
    check: (s) => !(secretName(s) && s.credentialsType === 'role-based'),
  },
  {
    rule: "!has(self.storageProvider) || self.storageProvider == 'local' || (has(self.storageSecretRef) && self.storageSecretRef.name != '') || (has(self.credentialsType) && self.credentialsType == 'role-based')",
    message: 'storageSecretRef.name is required unless credentialsType is role-based',
    fieldPath: '.storageSecretRef',
    reason: 'FieldValueRequired',
    check: (s) =>
      s.storageProvider === undefined ||
      s.storageProvider === 'local' ||
      secretName(s) ||
      s.credentialsType === 'role-based',
  },
  {
    rule: "!has(self.storageProvider) || self.storageProvider != 'local' || has(self.localVolume)",
    message: 'localVolume (the shared volume holding the backups) is required for storageProvider local',
    fieldPath: '.localVolume',
    reason: 'FieldValueRequired',
    check: (s) => s.storageProvider !== 'local' || s.localVolume !== undefined,
  },
  {
    rule: "!has(self.storageProvider) || (has(self.bucketName) && self.bucketName != '')",
    message: 'bucketName is required when storageProvider is set',
    fieldPath: '.bucketName',
    reason: 'FieldValueRequired',
    check: (s) => s.storageProvider === undefined || (s.bucketName ?? '') !== '',
  },
  {
    rule: `!has(self.storageProvider) || !(self.storageProvider in [${providersNeedingHost.map((p) => `'${p}'`).join(', ')}]) || (has(self.host) && self.host != '')`,
    message: `host is required for storageProvider ${providersNeedingHost.join(', ')}`,
    fieldPath: '.host',
    reason: 'FieldValueRequired',
    check: (s) =>
      s.storageProvider === undefined ||
      !providersNeedingHost.includes(s.storageProvider) ||
      (s.host ?? '') !== '',
  },
  {
    rule: '!has(self.port) || (self.port >= 0 && self.port <= 65535)',
    message: 'port must be between 0 (unset) and 65535',
    fieldPath: '.port',
    check: (s) => s.port === undefined || (s.port >= 0 && s.port <= 65535),
  },
]);

/** k8ssandra `GRPCEncryption`. */
export const grpcEncryptionSchema = z.object({
  clientSecretName: crdMeta(z.string(), {
    description: 'Secret with ca.crt, tls.crt and tls.key used by gRPC clients.',
  }),
  serverSecretName: crdMeta(z.string(), {
    description: 'Secret with ca.crt, tls.crt and tls.key mounted in the Medusa containers.',
  }),
});

/** k8ssandra `Service` (serviceProperties). */
export const serviceSchema = z.object({
  grpcPort: crdMeta(goInt(), { description: 'Medusa gRPC port; 0 means 50051.' }).optional(),
  encryption: grpcEncryptionSchema.optional(),
});
