import { describe, expect, it } from 'vitest';
import { configurationAnnotation, prefixAnnotation } from '../../crds/index.js';
import { memoryClusterReader, resources, type KubeObject } from '../cluster.js';
import { validateBinding } from './binding.js';
import { findings, type ValidationContext } from './result.js';

const configuration = (namespace: string, name: string, bucketName: string, prefix?: string): KubeObject => ({
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaConfiguration',
  metadata: { name, namespace },
  spec: {
    storageProperties: {
      storageProvider: 's3',
      bucketName,
      credentialsType: 'role-based',
      ...(prefix ? { prefix } : {}),
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
const bind = (configurationName: string, prefix?: string) => ({
  [configurationAnnotation]: configurationName,
  ...(prefix !== undefined ? { [prefixAnnotation]: prefix } : {}),
});

const world = memoryClusterReader([
  { resource: resources.configuration, object: configuration('a', 'shared', 'backups') },
  { resource: resources.configuration, object: configuration('a', 'with-prefix', 'backups', 'team-a') },
  { resource: resources.configuration, object: configuration('b', 'shared', 'backups') },
  { resource: resources.configuration, object: configuration('b', 'elsewhere', 'other-bucket') },
  { resource: resources.datacenter, object: dc('a', 'dc1', 'demo', bind('shared', 'demo')) },
]);

async function check(namespace: string, object: KubeObject, old?: KubeObject) {
  const out = findings();
  const ctx: ValidationContext = { namespace, reader: world, now: new Date() };
  await validateBinding('CassandraDatacenter', object, old, ctx, out);
  return out.causes;
}

describe('validateBinding', () => {
  it('lets the datacenters of one cluster share a prefix', async () => {
    expect(await check('a', dc('a', 'dc2', 'demo', bind('shared', 'demo')))).toEqual([]);
  });

  it('refuses a second cluster on the same bucket and prefix, even from another namespace', async () => {
    const causes = await check('b', dc('b', 'dc1', 'demo', bind('shared', 'demo')));
    expect(causes).toEqual([
      {
        field: `metadata.annotations[${prefixAnnotation}]`,
        message: expect.stringContaining(
          'prefix "demo" of bucket s3:///backups is already used by cluster a/demo (CassandraDatacenter a/dc1)',
        ),
        reason: 'FieldValueInvalid',
      },
    ]);
  });

  it('allows the same prefix in another bucket', async () => {
    expect(await check('b', dc('b', 'dc1', 'demo', bind('elsewhere', 'demo')))).toEqual([]);
  });

  it("takes the configuration's prefix when the annotation has none", async () => {
    expect(await check('a', dc('a', 'dc3', 'other', bind('with-prefix')))).toEqual([]);
    const causes = await check('a', dc('a', 'dc3', 'other', bind('shared')));
    expect(causes[0]?.message).toBe(
      'is required: MedusaConfiguration "shared" is shared and has no storageProperties.prefix',
    );
  });

  it('reports every problem of a prefix at once', async () => {
    const causes = await check('a', dc('a', 'dc3', 'other', bind('shared', '/')));
    expect(causes.map((c) => c.message)).toEqual([
      'prefix "/" is one character; Medusa ignores such prefixes for its index',
      `prefix "/" may only contain letters, digits, '.', '_' and '-', starting with a letter or digit (it is one top-level folder)`,
    ]);
  });

  it('does not re-check an update that leaves the binding alone', async () => {
    // Stored before the rule existed: cass-operator must still be able to update the datacenter.
    const stale = dc('a', 'dc9', 'x', bind('shared'));
    expect(await check('a', { ...stale, spec: { ...stale.spec, size: 5 } }, stale)).toEqual([]);
    expect((await check('a', stale))[0]?.message).toMatch(/^is required/);
  });

  it('stores a binding to a configuration that does not exist yet, with a warning (GitOps, any order)', async () => {
    const out = findings();
    const ctx: ValidationContext = { namespace: 'a', reader: world, now: new Date() };
    await validateBinding(
      'CassandraDatacenter',
      dc('a', 'dc9', 'x', bind('later', 'x9')),
      undefined,
      ctx,
      out,
    );
    expect(out.causes).toEqual([]);
    expect(out.warnings).toEqual([
      `${configurationAnnotation}: MedusaConfiguration "later" does not exist in namespace a yet: the pods run without Medusa (pod annotation medusa.k8ssandra.io/awaiting-configuration) until it is created, then roll to get it`,
    ]);
  });
});
