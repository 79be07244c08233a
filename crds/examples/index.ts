// Example manifests, modelled on the k8ssandra-operator documentation, shared by the unit tests
// (validate<Kind>) and the integration tests (the real apiserver) so both judge the same objects.
import { apiVersion } from '../common.js';
import type { MedusaKind } from '../index.js';

export type Manifest = { apiVersion: string; kind: MedusaKind; metadata: { name: string }; spec?: unknown };

export interface ValidExample {
  title: string;
  manifest: Manifest;
  /** spec as the apiserver stores it, CRD defaults applied. */
  expectedSpec: Record<string, unknown>;
}

export interface InvalidExample {
  title: string;
  manifest: Manifest;
  /** Field path the refusal must name, e.g. spec.storageProperties.host. */
  field: string;
  /** Text the refusal must contain. */
  message: string;
}

const obj = (kind: MedusaKind, name: string, spec: unknown): Manifest => ({
  apiVersion,
  kind,
  metadata: { name },
  spec,
});

const s3Storage = {
  storageProvider: 's3',
  region: 'us-west-2',
  bucketName: 'k8ssandra-medusa',
  storageSecretRef: { name: 'medusa-bucket-key' },
};
const storageDefaults = {
  maxBackupAge: 0,
  maxBackupCount: 0,
  transferMaxBandwidth: '50MB/s',
  concurrentTransfers: 0,
  multiPartUploadThreshold: 104857600,
};

export const validExamples: ValidExample[] = [
  {
    title: 'k8ssandra MedusaBackupJob',
    manifest: obj('MedusaBackupJob', 'medusa-backup1', { cassandraDatacenter: 'dc1' }),
    expectedSpec: { cassandraDatacenter: 'dc1', backupType: 'differential' },
  },
  {
    title: 'MedusaBackupJob with table filter and dry run',
    manifest: obj('MedusaBackupJob', 'backup-some-tables', {
      cassandraDatacenter: 'dc1',
      backupType: 'full',
      filter: { include: ['shop', 'audit.events'], exclude: ['shop.sessions'] },
      dryRun: true,
    }),
    expectedSpec: {
      cassandraDatacenter: 'dc1',
      backupType: 'full',
      filter: { include: ['shop', 'audit.events'], exclude: ['shop.sessions'] },
      dryRun: true,
    },
  },
  {
    title: 'k8ssandra MedusaBackup',
    manifest: obj('MedusaBackup', 'medusa-backup1', { cassandraDatacenter: 'dc1' }),
    expectedSpec: { cassandraDatacenter: 'dc1', backupType: 'differential' },
  },
  {
    title: 'k8ssandra MedusaBackupSchedule',
    manifest: obj('MedusaBackupSchedule', 'medusa-backup-schedule', {
      backupSpec: { backupType: 'differential', cassandraDatacenter: 'dc1' },
      cronSchedule: '30 1 * * *',
      concurrencyPolicy: 'Forbid',
    }),
    expectedSpec: {
      backupSpec: { backupType: 'differential', cassandraDatacenter: 'dc1' },
      cronSchedule: '30 1 * * *',
      concurrencyPolicy: 'Forbid',
      operationType: 'backup',
    },
  },
  {
    title: 'MedusaBackupSchedule purge with time zone',
    manifest: obj('MedusaBackupSchedule', 'nightly-purge', {
      backupSpec: { cassandraDatacenter: 'dc1' },
      cronSchedule: '0 2 * * *',
      timeZone: 'Europe/Paris',
      concurrencyPolicy: 'Replace',
      operationType: 'purge',
    }),
    expectedSpec: {
      backupSpec: { cassandraDatacenter: 'dc1', backupType: 'differential' },
      cronSchedule: '0 2 * * *',
      timeZone: 'Europe/Paris',
      concurrencyPolicy: 'Replace',
      operationType: 'purge',
    },
  },
  {
    title: 'k8ssandra MedusaRestoreJob',
    manifest: obj('MedusaRestoreJob', 'restore-backup1', {
      cassandraDatacenter: 'dc1',
      backup: 'medusa-backup1',
    }),
    expectedSpec: { cassandraDatacenter: 'dc1', backup: 'medusa-backup1' },
  },
  {
    title: 'MedusaRestoreJob of one keyspace with a host mapping',
    manifest: obj('MedusaRestoreJob', 'restore-shop', {
      cassandraDatacenter: 'dc2',
      backup: 'medusa-backup1',
      filter: { include: ['shop'] },
      hostMapping: [
        { target: 'demo-dc2-default-sts-0', source: 'demo-dc1-default-sts-1' },
        { target: 'demo-dc2-default-sts-1', source: 'demo-dc1-default-sts-0' },
      ],
    }),
    expectedSpec: {
      cassandraDatacenter: 'dc2',
      backup: 'medusa-backup1',
      filter: { include: ['shop'] },
      hostMapping: [
        { target: 'demo-dc2-default-sts-0', source: 'demo-dc1-default-sts-1' },
        { target: 'demo-dc2-default-sts-1', source: 'demo-dc1-default-sts-0' },
      ],
    },
  },
  {
    title: 'k8ssandra MedusaTask purge',
    manifest: obj('MedusaTask', 'purge-backups', { cassandraDatacenter: 'dc1', operation: 'purge' }),
    expectedSpec: { cassandraDatacenter: 'dc1', operation: 'purge' },
  },
  {
    title: 'MedusaTask verify',
    manifest: obj('MedusaTask', 'verify-backup1', {
      cassandraDatacenter: 'dc1',
      operation: 'verify',
      backupName: 'medusa-backup1',
    }),
    expectedSpec: { cassandraDatacenter: 'dc1', operation: 'verify', backupName: 'medusa-backup1' },
  },
  {
    title: 'k8ssandra MedusaConfiguration',
    manifest: obj('MedusaConfiguration', 'medusaconfiguration-s3', { storageProperties: s3Storage }),
    expectedSpec: { storageProperties: { ...s3Storage, ...storageDefaults }, purgeBackups: true },
  },
  {
    title: 'MedusaConfiguration for MinIO with container settings',
    manifest: obj('MedusaConfiguration', 'minio', {
      storageProperties: {
        storageProvider: 's3_compatible',
        bucketName: 'backups',
        host: 'minio.storage.svc',
        port: 9000,
        secure: false,
        storageSecretRef: { name: 'minio-credentials' },
        concurrentTransfers: 4,
      },
      containerImage: { registry: 'registry.example.com', name: 'medusa', tag: '0.29.1' },
      containerResources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } },
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      cassandraUserSecretRef: { name: 'demo-medusa' },
      readinessProbe: { periodSeconds: 20, failureThreshold: 5 },
      purgeBackups: false,
    }),
    expectedSpec: {
      storageProperties: {
        storageProvider: 's3_compatible',
        bucketName: 'backups',
        host: 'minio.storage.svc',
        port: 9000,
        secure: false,
        storageSecretRef: { name: 'minio-credentials' },
        ...storageDefaults,
        concurrentTransfers: 4,
      },
      containerImage: { registry: 'registry.example.com', name: 'medusa', tag: '0.29.1' },
      containerResources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } },
      securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      cassandraUserSecretRef: { name: 'demo-medusa' },
      readinessProbe: { periodSeconds: 20, failureThreshold: 5 },
      purgeBackups: false,
    },
  },
  {
    title: 'MedusaConfiguration with role-based credentials',
    manifest: obj('MedusaConfiguration', 'irsa', {
      storageProperties: {
        storageProvider: 's3',
        bucketName: 'b',
        region: 'eu-west-1',
        credentialsType: 'role-based',
      },
    }),
    expectedSpec: {
      storageProperties: {
        storageProvider: 's3',
        bucketName: 'b',
        region: 'eu-west-1',
        credentialsType: 'role-based',
        ...storageDefaults,
      },
      purgeBackups: true,
    },
  },
  {
    title: 'MedusaConfiguration on a shared NFS volume (local provider, kubectl-medusa extension)',
    manifest: obj('MedusaConfiguration', 'nfs', {
      storageProperties: {
        storageProvider: 'local',
        bucketName: 'cassandra-backups',
        localVolume: { nfs: { server: 'nfs.example.com', path: '/exports/cassandra' } },
      },
    }),
    expectedSpec: {
      storageProperties: {
        storageProvider: 'local',
        bucketName: 'cassandra-backups',
        localVolume: { nfs: { server: 'nfs.example.com', path: '/exports/cassandra' } },
        ...storageDefaults,
      },
      purgeBackups: true,
    },
  },
];

export const invalidExamples: InvalidExample[] = [
  {
    title: 'backup job without datacenter',
    manifest: obj('MedusaBackupJob', 'no-dc', { backupType: 'full' }),
    field: 'spec.cassandraDatacenter',
    message: 'Required',
  },
  {
    title: 'backup job with an empty datacenter',
    manifest: obj('MedusaBackupJob', 'empty-dc', { cassandraDatacenter: '' }),
    field: 'spec.cassandraDatacenter',
    message: '1',
  },
  {
    title: 'backup job with an unknown backup type',
    manifest: obj('MedusaBackupJob', 'incremental', {
      cassandraDatacenter: 'dc1',
      backupType: 'incremental',
    }),
    field: 'spec.backupType',
    message: 'differential',
  },
  {
    title: 'backup job including and excluding the same table',
    manifest: obj('MedusaBackupJob', 'both-ways', {
      cassandraDatacenter: 'dc1',
      filter: { include: ['shop.orders'], exclude: ['shop.orders'] },
    }),
    field: 'spec.filter.exclude',
    message: 'both included and excluded',
  },
  {
    title: 'backup job with a malformed table selector',
    manifest: obj('MedusaBackupJob', 'bad-selector', {
      cassandraDatacenter: 'dc1',
      filter: { include: ['shop/orders'] },
    }),
    field: 'spec.filter.include[0]',
    message: 'should match',
  },
  {
    title: 'backup without datacenter',
    manifest: obj('MedusaBackup', 'no-dc', { backupType: 'full' }),
    field: 'spec.cassandraDatacenter',
    message: 'Required',
  },
  {
    title: 'schedule without cron expression',
    manifest: obj('MedusaBackupSchedule', 'no-cron', { backupSpec: { cassandraDatacenter: 'dc1' } }),
    field: 'spec.cronSchedule',
    message: 'Required',
  },
  {
    title: 'schedule with an unknown concurrency policy',
    manifest: obj('MedusaBackupSchedule', 'sometimes', {
      backupSpec: { cassandraDatacenter: 'dc1' },
      cronSchedule: '@daily',
      concurrencyPolicy: 'Sometimes',
    }),
    field: 'spec.concurrencyPolicy',
    message: 'Forbid',
  },
  {
    title: 'schedule with two time zones',
    manifest: obj('MedusaBackupSchedule', 'two-zones', {
      backupSpec: { cassandraDatacenter: 'dc1' },
      cronSchedule: 'CRON_TZ=UTC 0 1 * * *',
      timeZone: 'Europe/Paris',
    }),
    field: 'spec.timeZone',
    message: 'not both',
  },
  {
    title: 'schedule with an unknown operation type',
    manifest: obj('MedusaBackupSchedule', 'restore-op', {
      backupSpec: { cassandraDatacenter: 'dc1' },
      cronSchedule: '@daily',
      operationType: 'restore',
    }),
    field: 'spec.operationType',
    message: 'purge',
  },
  {
    title: 'restore without backup',
    manifest: obj('MedusaRestoreJob', 'no-backup', { cassandraDatacenter: 'dc1' }),
    field: 'spec.backup',
    message: 'Required',
  },
  {
    title: 'restore mapping one source twice',
    manifest: obj('MedusaRestoreJob', 'same-source', {
      cassandraDatacenter: 'dc1',
      backup: 'b1',
      hostMapping: [
        { target: 'demo-dc1-default-sts-0', source: 'old-0' },
        { target: 'demo-dc1-default-sts-1', source: 'old-0' },
      ],
    }),
    field: 'spec.hostMapping',
    message: 'one target only',
  },
  {
    title: 'restore mapping one target twice',
    manifest: obj('MedusaRestoreJob', 'same-target', {
      cassandraDatacenter: 'dc1',
      backup: 'b1',
      hostMapping: [
        { target: 'demo-dc1-default-sts-0', source: 'old-0' },
        { target: 'demo-dc1-default-sts-0', source: 'old-1' },
      ],
    }),
    field: 'spec.hostMapping[1]',
    message: 'Duplicate value',
  },
  {
    title: 'backup job listing a keyspace twice',
    manifest: obj('MedusaBackupJob', 'twice', {
      cassandraDatacenter: 'dc1',
      filter: { include: ['shop', 'shop'] },
    }),
    field: 'spec.filter.include[1]',
    message: 'Duplicate value',
  },
  {
    title: 'task with an unknown operation',
    manifest: obj('MedusaTask', 'compact', { cassandraDatacenter: 'dc1', operation: 'compact' }),
    field: 'spec.operation',
    message: 'verify',
  },
  {
    title: 'prepare_restore task without backup name',
    manifest: obj('MedusaTask', 'prepare', { cassandraDatacenter: 'dc1', operation: 'prepare_restore' }),
    field: 'spec.backupName',
    message: 'backupName and restoreKey',
  },
  {
    title: 'local provider without its shared volume',
    manifest: obj('MedusaConfiguration', 'local', {
      storageProperties: { storageProvider: 'local', bucketName: 'b' },
    }),
    field: 'spec.storageProperties.localVolume',
    message: 'localVolume',
  },
  {
    title: 's3_compatible configuration without host',
    manifest: obj('MedusaConfiguration', 'no-host', {
      storageProperties: {
        storageProvider: 's3_compatible',
        bucketName: 'b',
        storageSecretRef: { name: 'k' },
      },
    }),
    field: 'spec.storageProperties.host',
    message: 'host is required',
  },
  {
    title: 'configuration with a secret and role-based credentials',
    manifest: obj('MedusaConfiguration', 'both-creds', {
      storageProperties: {
        storageProvider: 's3',
        bucketName: 'b',
        storageSecretRef: { name: 'k' },
        credentialsType: 'role-based',
      },
    }),
    field: 'spec.storageProperties.storageSecretRef.name',
    message: 'both a storage secret and role-based',
  },
  {
    title: 'configuration with neither secret nor role-based credentials',
    manifest: obj('MedusaConfiguration', 'no-creds', {
      storageProperties: { storageProvider: 'google_storage', bucketName: 'b' },
    }),
    field: 'spec.storageProperties.storageSecretRef',
    message: 'unless credentialsType is role-based',
  },
  {
    title: 'configuration without bucket',
    manifest: obj('MedusaConfiguration', 'no-bucket', {
      storageProperties: { storageProvider: 'azure_blobs', storageSecretRef: { name: 'k' } },
    }),
    field: 'spec.storageProperties.bucketName',
    message: 'bucketName is required',
  },
  {
    title: 'configuration with a malformed resource quantity',
    manifest: obj('MedusaConfiguration', 'bad-quantity', {
      containerResources: { limits: { memory: 'lots' } },
    }),
    field: 'spec.containerResources.limits.memory',
    message: '',
  },
];
