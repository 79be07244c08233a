import { describe, expect, it } from 'vitest';
import {
  cleanupForKubernetes,
  configurationAnnotation,
  convertK8ssandraClusterMedusa,
  mergeNonZero,
  prefixAnnotation,
  validateMedusaConfiguration,
  type K8ssandraClusterMedusaSource,
  type MedusaConfigurationSpec,
} from './index.js';

// The `medusa:` block of the k8ssandra-operator documentation's MinIO example.
const demo = (): K8ssandraClusterMedusaSource => ({
  metadata: { name: 'demo', namespace: 'k8ssandra-operator' },
  spec: {
    cassandra: {},
    medusa: {
      storageProperties: {
        storageProvider: 's3_compatible',
        bucketName: 'k8ssandra-medusa',
        storageSecretRef: { name: 'medusa-bucket-key' },
        host: 'minio-service.minio.svc.cluster.local',
        port: 9000,
        secure: false,
      },
      containerResources: { requests: { cpu: '200m', memory: '256Mi' } },
      purgeBackups: false,
    },
  },
});

describe('convertK8ssandraClusterMedusa', () => {
  it('moves storage and container settings to a valid MedusaConfiguration and binds with annotations', () => {
    const { configuration, annotations } = convertK8ssandraClusterMedusa(demo());
    expect(configuration).toEqual({
      apiVersion: 'medusa.k8ssandra.io/v1alpha1',
      kind: 'MedusaConfiguration',
      metadata: { name: 'demo-medusa', namespace: 'k8ssandra-operator' },
      spec: {
        storageProperties: {
          storageProvider: 's3_compatible',
          bucketName: 'k8ssandra-medusa',
          storageSecretRef: { name: 'medusa-bucket-key' },
          host: 'minio-service.minio.svc.cluster.local',
          port: 9000,
          secure: false,
        },
        containerResources: { requests: { cpu: '200m', memory: '256Mi' } },
        purgeBackups: false,
        // k8ssandra-operator generated and used <cluster>-medusa: keep using it.
        cassandraUserSecretRef: { name: 'demo-medusa' },
      },
    });
    // Same folder in the bucket as before: k8ssandra used the cluster name when prefix was empty.
    expect(annotations).toEqual({ [configurationAnnotation]: 'demo-medusa', [prefixAnnotation]: 'demo' });
    expect(validateMedusaConfiguration(configuration)).toMatchObject({ ok: true });
  });

  it('carries an explicit prefix to the annotation, not to the shared configuration', () => {
    const kc = demo();
    kc.spec.medusa!.storageProperties!.prefix = 'prod-demo';
    const { configuration, annotations } = convertK8ssandraClusterMedusa(kc, { configurationName: 'minio' });
    expect(annotations).toEqual({ [configurationAnnotation]: 'minio', [prefixAnnotation]: 'prod-demo' });
    expect(configuration.metadata.name).toBe('minio');
    expect(configuration.spec?.storageProperties).not.toHaveProperty('prefix');
  });

  it('merges a referenced MedusaConfiguration the way k8ssandra-operator does', () => {
    const referenced: MedusaConfigurationSpec = {
      storageProperties: {
        storageProvider: 's3',
        bucketName: 'shared-bucket',
        region: 'eu-west-1',
        storageSecretRef: { name: 'bucket-key' },
        secure: true,
        maxBackupAge: 0,
        maxBackupCount: 7,
        transferMaxBandwidth: '100MB/s',
        concurrentTransfers: 2,
        multiPartUploadThreshold: 104857600,
      },
      purgeBackups: true,
    };
    const { configuration, annotations, notes } = convertK8ssandraClusterMedusa(
      {
        metadata: { name: 'demo' },
        spec: {
          medusa: {
            medusaConfigurationRef: { name: 'shared-s3' },
            storageProperties: { prefix: 'demo', secure: false, maxBackupCount: 3, concurrentTransfers: 0 },
          },
        },
      },
      { referencedConfiguration: referenced },
    );
    expect(configuration.spec?.storageProperties).toEqual({
      storageProvider: 's3',
      bucketName: 'shared-bucket',
      region: 'eu-west-1',
      storageSecretRef: { name: 'bucket-key' },
      secure: true, // false never overrides (goalesce)
      maxBackupAge: 0,
      maxBackupCount: 3, // non-zero cluster value wins
      transferMaxBandwidth: '100MB/s',
      concurrentTransfers: 2, // zero never overrides
      multiPartUploadThreshold: 104857600,
    });
    expect(configuration.metadata).toEqual({ name: 'demo-medusa' });
    expect(annotations[prefixAnnotation]).toBe('demo');
    expect(notes.join('\n')).toContain('shared-s3');
  });

  it('needs the referenced configuration to merge it', () => {
    expect(() =>
      convertK8ssandraClusterMedusa({
        metadata: { name: 'demo' },
        spec: {
          medusa: { medusaConfigurationRef: { name: 'shared-s3' }, storageProperties: { prefix: 'demo' } },
        },
      }),
    ).toThrow(/referencedConfiguration/);
  });

  it.each([
    [{ medusaConfigurationRef: { name: 'c' } }, 'prefix must be set when a medusaConfigurationRef is used'],
    [
      { medusaConfigurationRef: { name: 'c', namespace: 'other' }, storageProperties: { prefix: 'p' } },
      'Medusa config must be namespace local',
    ],
    [
      {
        medusaConfigurationRef: { name: 'c', kind: 'MedusaConfiguration' },
        storageProperties: { prefix: 'p' },
      },
      'invalid field used',
    ],
    [{ storageProperties: { bucketName: 'b' } }, 'storage provider must be set'],
    [{ storageProperties: { storageProvider: 's3' as const } }, 'bucket name must be set'],
  ])('refuses what the K8ssandraCluster webhook refuses (%#)', (medusa, message) => {
    expect(() => convertK8ssandraClusterMedusa({ metadata: { name: 'demo' }, spec: { medusa } })).toThrow(
      message,
    );
  });

  it('refuses a cluster without a medusa block, or with a malformed one', () => {
    expect(() => convertK8ssandraClusterMedusa({ metadata: { name: 'demo' }, spec: {} })).toThrow(
      /no spec.medusa/,
    );
    const kc = demo();
    (kc.spec.medusa!.storageProperties as Record<string, unknown>).storageProvider = 'local';
    expect(() => convertK8ssandraClusterMedusa(kc)).toThrow(/spec.medusa.storageProperties.storageProvider/);
  });

  it('names the generated CQL secret after the sanitized cluster name override', () => {
    const kc = demo();
    kc.spec.cassandra = { clusterName: 'Prod_Cluster' };
    const { configuration, annotations } = convertK8ssandraClusterMedusa(kc);
    expect(configuration.spec?.cassandraUserSecretRef).toEqual({ name: 'prod-cluster-medusa' });
    expect(annotations[prefixAnnotation]).toBe('demo'); // medusa.ini used metadata.name, not clusterName
  });

  it('keeps an explicit CQL secret and adds none with external secrets', () => {
    const kc = demo();
    kc.spec.medusa!.cassandraUserSecretRef = { name: 'my-medusa-user' };
    expect(convertK8ssandraClusterMedusa(kc).configuration.spec?.cassandraUserSecretRef).toEqual({
      name: 'my-medusa-user',
    });
    const external = demo();
    external.spec.secretsProvider = 'external';
    expect(convertK8ssandraClusterMedusa(external).configuration.spec).not.toHaveProperty(
      'cassandraUserSecretRef',
    );
  });
});

describe('cleanupForKubernetes', () => {
  it.each([
    ['demo', 'demo'],
    ['Demo', 'demo'],
    ['my_cluster', 'my-cluster'],
    ['Test Cluster!', 'testcluster'],
  ])('%j -> %j', (input, expected) => {
    expect(cleanupForKubernetes(input)).toBe(expected);
  });
});

describe('mergeNonZero', () => {
  it('lets only non-zero override values win, recursively', () => {
    expect(
      mergeNonZero(
        { a: 'base', b: true, c: 5, d: { x: 'base', y: 'base' }, e: ['base'] },
        { a: '', b: false, c: 0, d: { x: 'over' }, e: [], f: 'new' },
      ),
    ).toEqual({ a: 'base', b: true, c: 5, d: { x: 'over', y: 'base' }, e: ['base'], f: 'new' });
  });
});
