import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { configurationAnnotation, prefixAnnotation } from '../crds/index.js';
import type { AdmissionRequest } from './admission/review.js';
import { memoryClusterReader, resources, type KubeObject } from './cluster.js';
import { mutateStatefulSet } from './mutate.js';

const namespace = 'cassandra';
const configuration: KubeObject = {
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaConfiguration',
  metadata: { name: 'minio', namespace },
  spec: {
    storageProperties: {
      storageProvider: 's3_compatible',
      bucketName: 'backups',
      host: 'minio',
      storageSecretRef: { name: 'minio-key' },
    },
  },
};
const datacenter = (annotations: Record<string, string>): KubeObject => ({
  metadata: { name: 'dc1', namespace, annotations },
  spec: {
    clusterName: 'Demo Cluster',
    size: 3,
    managementApiAuth: { manual: { clientSecretName: 'mgmt-tls' } },
  },
});

function sts(labels: Record<string, string> = {}, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'demo-dc1-default-sts', namespace, labels, annotations },
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'cassandra', volumeMounts: [{ name: 'server-data', mountPath: '/var/lib/cassandra' }] },
          ],
        },
      },
    },
  };
}
const dcLabels = {
  'cassandra.datastax.com/cluster': 'DemoCluster',
  'cassandra.datastax.com/datacenter': 'dc1',
};

function request(
  object: object,
  operation: 'CREATE' | 'UPDATE' = 'CREATE',
  oldObject?: object,
): AdmissionRequest {
  return {
    uid: 'u',
    kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' },
    resource: { group: 'apps', version: 'v1', resource: 'statefulsets' },
    namespace,
    operation,
    object: object as Record<string, unknown>,
    ...(oldObject ? { oldObject: oldObject as Record<string, unknown> } : {}),
  };
}

const reader = (dcAnnotations: Record<string, string>) =>
  memoryClusterReader([
    { resource: resources.configuration, object: configuration },
    { resource: resources.datacenter, object: datacenter(dcAnnotations) },
  ]);
const bound = { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' };

type Pod = {
  containers: { name: string; env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[] }[];
  volumes?: { name: string }[];
};

describe('mutateStatefulSet', () => {
  it('patches a StatefulSet of a bound CassandraDatacenter; the patch gives the injected object', async () => {
    const object = sts(dcLabels);
    const outcome = await mutateStatefulSet(request(object), reader(bound));
    expect(outcome.allowed && outcome.patch?.length).toBeGreaterThan(0);
    const patched = fastJsonPatch.applyPatch(
      structuredClone(object),
      outcome.allowed ? (outcome.patch ?? []) : [],
    ).newDocument as unknown as { spec: { template: { spec: Pod } } };
    const pod = patched.spec.template.spec;
    expect(pod.containers.map((c) => c.name)).toEqual(['cassandra', 'medusa']);
    // Cluster name as cass-operator cleans it for object names, from the datacenter's spec.
    const cql = pod.containers[1]?.env?.find((e) => e.name === 'CQL_USERNAME');
    expect(cql?.valueFrom?.secretKeyRef?.name).toBe('democluster-medusa');
    // The datacenter's manual management API TLS is mounted and used.
    expect(pod.volumes?.map((v) => v.name)).toContain('mgmt-encryption');
  });

  it('leaves alone a StatefulSet that did not opt in, and says why', async () => {
    const outcome = await mutateStatefulSet(request(sts()), reader(bound));
    expect(outcome).toEqual({
      allowed: true,
      skipped: `no ${configurationAnnotation} annotation and no cass-operator labels`,
    });
    const unbound = await mutateStatefulSet(request(sts(dcLabels)), reader({}));
    expect(unbound).toEqual({
      allowed: true,
      skipped: `CassandraDatacenter dc1 has no ${configurationAnnotation}`,
    });
  });

  it('skips updates that keep the pod template (scaling, labels)', async () => {
    const old = sts(dcLabels);
    const scaled = { ...old, spec: { ...old.spec, replicas: 5 } };
    const outcome = await mutateStatefulSet(request(scaled, 'UPDATE', old), reader(bound));
    expect(outcome).toEqual({ allowed: true, skipped: 'pod template unchanged' });
  });

  it('returns no patch for an already injected StatefulSet', async () => {
    const object = sts(dcLabels);
    const first = await mutateStatefulSet(request(object), reader(bound));
    const injected = fastJsonPatch.applyPatch(
      structuredClone(object),
      first.allowed ? (first.patch ?? []) : [],
    ).newDocument;
    const again = await mutateStatefulSet(request(injected), reader(bound));
    expect(again).toEqual({ allowed: true, patch: [] });
  });

  it('stores a StatefulSet whose configuration does not exist yet, marked and warned; lifting the mark injects', async () => {
    const object = sts(dcLabels);
    const noConfiguration = memoryClusterReader([
      { resource: resources.datacenter, object: datacenter(bound) },
    ]);
    const first = await mutateStatefulSet(request(object), noConfiguration);
    expect(first.allowed).toBe(true);
    expect(first.allowed && first.warnings?.[0]).toContain(
      'MedusaConfiguration "minio" does not exist in namespace cassandra yet: the pods run without Medusa',
    );
    const marked = fastJsonPatch.applyPatch(structuredClone(object), first.allowed ? (first.patch ?? []) : [])
      .newDocument as ReturnType<typeof sts> & {
      spec: { template: { metadata?: { annotations?: Record<string, string> } } };
    };
    expect(marked.spec.template.metadata?.annotations).toEqual({
      'medusa.k8ssandra.io/awaiting-configuration': 'minio',
    });
    expect(marked.spec.template.spec.containers.map((c) => c.name)).toEqual(['cassandra']);
    // The controller lifts the mark once the configuration exists: that update gets Medusa.
    const lifted = structuredClone(marked);
    delete lifted.spec.template.metadata?.annotations?.['medusa.k8ssandra.io/awaiting-configuration'];
    const second = await mutateStatefulSet(request(lifted, 'UPDATE', marked), reader(bound));
    const injected = fastJsonPatch.applyPatch(lifted, second.allowed ? (second.patch ?? []) : [])
      .newDocument as typeof marked;
    expect(injected.spec.template.spec.containers.map((c) => c.name)).toEqual(['cassandra', 'medusa']);
    expect(injected.spec.template.metadata?.annotations).not.toHaveProperty(
      'medusa.k8ssandra.io/awaiting-configuration',
    );
    // Had the webhook still not seen it, the update would be marked again, not refused.
    const stillMissing = await mutateStatefulSet(request(lifted, 'UPDATE', marked), noConfiguration);
    expect(stillMissing.allowed && stillMissing.patch).toContainEqual(
      expect.objectContaining({ op: 'add', value: 'minio' }),
    );
  });

  it('refuses a bound StatefulSet whose prefix cannot be resolved, naming the annotation', async () => {
    const outcome = await mutateStatefulSet(
      request(sts({}, { [configurationAnnotation]: 'minio' })),
      reader({}),
    );
    expect(outcome.allowed).toBe(false);
    expect(!outcome.allowed && outcome.message).toBe(
      `StatefulSet "demo-dc1-default-sts" opts in to Medusa but cannot receive it: StatefulSet metadata.annotations[${prefixAnnotation}]: is required: MedusaConfiguration "minio" has no storageProperties.prefix`,
    );
  });

  it('refuses an object that is not shaped like a StatefulSet instead of throwing', async () => {
    const outcome = await mutateStatefulSet(
      request({ metadata: { name: 'x' }, spec: { template: { spec: { containers: 'no' } } } }),
      reader(bound),
    );
    expect(outcome).toMatchObject({
      allowed: false,
      code: 400,
      message: expect.stringContaining('spec.template.spec.containers'),
    });
  });
});
