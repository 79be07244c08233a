import type { V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { configurationAnnotation } from '../crds/binding.js';
import type { CassandraDatacenter } from '../test/harness/cass-operator/datacenter.js';
import { rackNames, rackSizes } from '../test/harness/cass-operator/datacenter.js';
import { rackStatefulSet } from '../test/harness/cass-operator/statefulset.js';
import { memoryClusterReader, resources, type KubeObject, type Resource } from '../webhook/cluster.js';
import { findDatacenter as webhookFindDatacenter } from '../webhook/validate/datacenter.js';
import {
  cassandraDatacenterModel,
  expectedPods,
  lookupDatacenter,
  statefulSetModel,
  type DatacenterSource,
} from './datacenter.js';

// The one datacenter lookup (lib/datacenter.ts) as the webhook, the controller and the plugin see
// it, with the cases where their two former copies disagreed.

const ns = 'shop';
const bound = { [configurationAnnotation]: 'medusa' };

const cassdc: CassandraDatacenter = {
  apiVersion: 'cassandra.datastax.com/v1beta1',
  kind: 'CassandraDatacenter',
  metadata: { name: 'dc1', namespace: ns, annotations: bound },
  spec: {
    clusterName: 'Shop Cluster',
    datacenterName: 'eu_west',
    size: 5,
    racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }],
  },
};

const plain = (replicas?: number): V1StatefulSet => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'dc1', namespace: ns, annotations: bound },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    serviceName: 'dc1',
    selector: { matchLabels: { app: 'dc1' } },
    template: { metadata: { labels: { app: 'dc1' } } },
  },
});

/** What the webhook finds when the apiserver holds these objects (as JSON, as it sends them). */
const webhookSees = (objects: { resource: Resource; object: object }[]) =>
  webhookFindDatacenter('dc1', {
    namespace: ns,
    reader: memoryClusterReader(
      objects.map(({ resource, object }) => ({
        resource,
        object: JSON.parse(JSON.stringify(object)) as KubeObject,
      })),
    ),
    now: new Date(),
  });

const source = (dc?: object, sts?: object): DatacenterSource => ({
  cassandraDatacenter: () => Promise.resolve(dc),
  statefulSet: () => Promise.resolve(sts),
});

describe('one datacenter lookup for the webhook, the controller and the plugin', () => {
  it('a StatefulSet without spec.replicas is one pod for all (the controller counted none)', async () => {
    const sts = plain();
    const model = statefulSetModel(ns, sts);
    expect(model.size).toBe(1);
    expect(model.pods).toEqual(['dc1-0']);
    expect(expectedPods({ ...model, statefulSets: [sts] })).toEqual(['dc1-0']);
    expect((await webhookSees([{ resource: resources.statefulSet, object: sts }]))?.pods).toEqual(['dc1-0']);
  });

  it("a CassandraDatacenter's pods from its spec are those of the StatefulSets cass-operator creates", async () => {
    const model = cassandraDatacenterModel(ns, cassdc);
    const racks = rackNames(cassdc);
    const sizes = rackSizes(cassdc);
    const statefulSets = racks.map((rack, i) => rackStatefulSet(cassdc, rack, sizes[i] ?? 0));
    expect(model.pods.sort()).toEqual(expectedPods({ ...model, statefulSets }).sort());
    expect(model.pods).toHaveLength(5);
    expect(model.pods[0]).toBe('shopcluster-dc1-r1-sts-0');
    const seen = await webhookSees([{ resource: resources.datacenter, object: cassdc }]);
    expect(seen).toMatchObject({ holder: 'CassandraDatacenter', pods: model.pods, bound: true });
  });

  it("the Cassandra name is spec.datacenterName; the pods' selector is the object name's label", () => {
    const model = cassandraDatacenterModel(ns, cassdc);
    expect(model.cassandraName).toBe('eu_west');
    expect(model.podSelector).toBe('cassandra.datastax.com/datacenter=dc1');
    expect(statefulSetModel(ns, plain(3)).podSelector).toBe('app=dc1');
  });

  it('a CassandraDatacenter wins over a StatefulSet of the same name; without one the StatefulSet is it', async () => {
    expect((await lookupDatacenter(source(cassdc, plain(3)), ns, 'dc1'))?.kind).toBe('CassandraDatacenter');
    expect((await lookupDatacenter(source(undefined, plain(3)), ns, 'dc1'))?.kind).toBe('StatefulSet');
    expect(await lookupDatacenter(source(), ns, 'dc1')).toBeUndefined();
    const both = [
      { resource: resources.datacenter, object: cassdc },
      { resource: resources.statefulSet, object: plain(3) },
    ];
    expect((await webhookSees(both))?.holder).toBe('CassandraDatacenter');
  });

  it('bound means the configuration annotation, for both kinds', () => {
    const unbound = { ...plain(3), metadata: { name: 'dc1' } };
    expect(statefulSetModel(ns, unbound).bound).toBe(false);
    expect(statefulSetModel(ns, plain(3)).bound).toBe(true);
    expect(cassandraDatacenterModel(ns, { ...cassdc, metadata: { name: 'dc1' } }).bound).toBe(false);
  });

  it('a CassandraDatacenter without racks has one rack named default; spec.stopped is read', () => {
    const model = cassandraDatacenterModel(ns, {
      metadata: { name: 'dc2' },
      spec: { clusterName: 'c', size: 2, stopped: true },
    });
    expect(model.racks).toEqual({ names: ['default'], declared: false });
    expect(model.pods).toEqual(['c-dc2-default-sts-0', 'c-dc2-default-sts-1']);
    expect(model.stopped).toBe(true);
  });
});
