import { describe, expect, it } from 'vitest';
import { configurationAnnotation, prefixAnnotation } from '../../crds/index.js';
import { memoryClusterReader, resources, type KubeObject } from '../cluster.js';
import { validateConfiguration } from './configuration.js';
import { findings } from './result.js';

const configuration = (namespace: string, name: string, storageProperties: object): KubeObject => ({
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaConfiguration',
  metadata: { name, namespace },
  spec: {
    storageProperties: {
      storageProvider: 's3',
      credentialsType: 'role-based',
      region: 'eu',
      ...storageProperties,
    },
  },
});
const dc = (
  namespace: string,
  name: string,
  cluster: string,
  annotations: Record<string, string>,
): KubeObject => ({
  metadata: { name, namespace, annotations },
  spec: { clusterName: cluster, size: 3 },
});
const reader = memoryClusterReader([
  { resource: resources.configuration, object: configuration('a', 'shared', { bucketName: 'backups' }) },
  { resource: resources.configuration, object: configuration('b', 'own', { bucketName: 'other-bucket' }) },
  {
    resource: resources.datacenter,
    object: dc('a', 'dc1', 'demo', { [configurationAnnotation]: 'shared', [prefixAnnotation]: 'demo' }),
  },
  {
    resource: resources.datacenter,
    object: dc('b', 'dc1', 'billing', { [configurationAnnotation]: 'own', [prefixAnnotation]: 'demo' }),
  },
]);

async function check(object: KubeObject) {
  const out = findings();
  await validateConfiguration(
    object,
    { namespace: object.metadata?.namespace ?? '', reader, now: new Date() },
    out,
  );
  return out;
}

describe('validateConfiguration against the bound datacenters', () => {
  it('refuses moving a configuration onto a bucket where another cluster already writes the same prefix', async () => {
    const out = await check(configuration('b', 'own', { bucketName: 'backups' }));
    expect(out.causes).toEqual([
      {
        field: 'spec.storageProperties.bucketName',
        message:
          'with this change, cluster b/billing (CassandraDatacenter b/dc1) would write prefix "demo" of bucket s3:///backups, which cluster a/demo (CassandraDatacenter a/dc1) already uses',
      },
    ]);
  });

  it('accepts other changes of the same configuration', async () => {
    const out = await check(configuration('b', 'own', { bucketName: 'other-bucket', maxBackupAge: 30 }));
    expect(out.causes).toEqual([]);
  });

  it('refuses dropping the prefix datacenters bound without their own rely on', async () => {
    const world = memoryClusterReader([
      { resource: resources.datacenter, object: dc('c', 'dc7', 'x', { [configurationAnnotation]: 'team' }) },
    ]);
    const out = findings();
    await validateConfiguration(
      configuration('c', 'team', { bucketName: 'backups' }),
      { namespace: 'c', reader: world, now: new Date() },
      out,
    );
    expect(out.causes.map((c) => c.field)).toEqual(['spec.storageProperties.prefix']);
  });
});
