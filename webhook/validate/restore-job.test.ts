import { describe, expect, it } from 'vitest';
import { configurationAnnotation } from '../../crds/index.js';
import { memoryClusterReader, resources, type KubeObject } from '../cluster.js';
import { validateRestoreJob } from './restore-job.js';
import { findings } from './result.js';

const namespace = 'ns';
const datacenter: KubeObject = {
  metadata: { name: 'dc2', namespace, annotations: { [configurationAnnotation]: 'minio' } },
  spec: {
    clusterName: 'Demo',
    datacenterName: 'east',
    size: 4,
    racks: [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }],
  },
};
const backup = (name: string, status: Record<string, unknown>): KubeObject => ({
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaBackup',
  metadata: { name, namespace },
  spec: { cassandraDatacenter: 'dc2' },
  status,
});
const nodes = (racks: string[], dc = 'east') =>
  racks.map((rack, i) => ({ host: `old-${i}`, datacenter: dc, rack }));
const complete = { finishTime: '2026-11-01T00:00:00Z', status: 'SUCCESS', totalNodes: 4, finishedNodes: 4 };
const reader = memoryClusterReader([
  { resource: resources.datacenter, object: datacenter },
  {
    resource: resources.backup,
    object: backup('good', { ...complete, nodes: nodes(['r1', 'r1', 'r2', 'r3']) }),
  },
  { resource: resources.backup, object: backup('legacy', { finishTime: '2026-11-01T00:00:00Z' }) },
  {
    resource: resources.backup,
    object: backup('two-racks', { ...complete, nodes: nodes(['r1', 'r1', 'r2', 'r2']) }),
  },
  {
    resource: resources.backup,
    object: backup('renamed-racks', { ...complete, nodes: nodes(['a', 'b', 'c', 'c']) }),
  },
]);

async function check(spec: object, from = reader) {
  const out = findings();
  const job = {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaRestoreJob',
    metadata: { name: 'r' },
    spec,
  };
  await validateRestoreJob(job, { namespace, reader: from, now: new Date() }, out);
  return out.causes.map((c) => `${c.field}: ${c.message}`);
}

describe('validateRestoreJob', () => {
  it('accepts a backup with the same Cassandra datacenter name, node count and racks', async () => {
    expect(await check({ backup: 'good', cassandraDatacenter: 'dc2' })).toEqual([]);
  });

  it('accepts legacy backups without node counts, as k8ssandra-operator does', async () => {
    expect(await check({ backup: 'legacy', cassandraDatacenter: 'dc2' })).toEqual([]);
  });

  it('counts only the nodes of its own datacenter in a backup of a multi-datacenter cluster', async () => {
    const twoDcs = (eastRacks: string[]) => ({
      ...complete,
      totalNodes: eastRacks.length + 2,
      finishedNodes: eastRacks.length + 2,
      nodes: [...nodes(eastRacks), ...nodes(['w1', 'w2'], 'west')],
    });
    const multi = memoryClusterReader([
      { resource: resources.datacenter, object: datacenter },
      { resource: resources.backup, object: backup('both', twoDcs(['r1', 'r1', 'r2', 'r3'])) },
      { resource: resources.backup, object: backup('short', twoDcs(['r1', 'r2', 'r3'])) },
      {
        resource: resources.backup,
        object: backup('west-only', { ...complete, nodes: nodes(['a', 'b', 'c', 'd'], 'west') }),
      },
    ]);
    const into = (name: string) => check({ backup: name, cassandraDatacenter: 'dc2' }, multi);
    expect(await into('both')).toEqual([]);
    expect(await into('short')).toEqual([
      'spec.cassandraDatacenter: CassandraDatacenter "dc2" has 4 nodes but MedusaBackup "short" has 3 in datacenter "east": node counts must match',
    ]);
    expect(await into('west-only')).toEqual([
      'spec.cassandraDatacenter: MedusaBackup "west-only" was taken in datacenter "west", not "east": restore into a datacenter of the same Cassandra name (spec.datacenterName)',
    ]);
  });

  it('names the racks that differ', async () => {
    expect(await check({ backup: 'two-racks', cassandraDatacenter: 'dc2' })).toEqual([
      'spec.cassandraDatacenter: MedusaBackup "two-racks" has 2 racks (r1, r2) but dc2 has 3 (r1, r2, r3)',
    ]);
    expect(await check({ backup: 'renamed-racks', cassandraDatacenter: 'dc2' })).toEqual([
      'spec.cassandraDatacenter: rack names differ: MedusaBackup "renamed-racks" has a, b, c, dc2 has r1, r2, r3',
    ]);
  });

  it('checks host mapping targets against the pod names cass-operator gives the racks', async () => {
    // size 4 over 3 racks: r1 gets 2 pods, r2 and r3 one each; the cluster name is cleaned.
    const valid = [
      { target: 'demo-dc2-r1-sts-1', source: 'old-0' },
      { target: 'demo-dc2-r3-sts-0', source: 'old-1' },
    ];
    expect(await check({ backup: 'good', cassandraDatacenter: 'dc2', hostMapping: valid })).toEqual([]);
    expect(
      await check({
        backup: 'good',
        cassandraDatacenter: 'dc2',
        hostMapping: [{ target: 'demo-dc2-r2-sts-1', source: 'old-0' }],
      }),
    ).toEqual([
      'spec.hostMapping[0].target: "demo-dc2-r2-sts-1" is not a pod of dc2 (demo-dc2-r1-sts-0, demo-dc2-r1-sts-1, demo-dc2-r2-sts-0, demo-dc2-r3-sts-0)',
    ]);
  });

  it('validates the filter entries, each at its field path', async () => {
    const spec = { backup: 'good', cassandraDatacenter: 'dc2' };
    expect(
      await check({ ...spec, filter: { include: ['app', 'audit.*'], exclude: ['app.sessions'] } }),
    ).toEqual([]);
    expect(await check({ ...spec, filter: { include: ['app', 'bad name', 'ks.t.x'] } })).toEqual([
      'spec.filter.include[1]: must be "keyspace", "keyspace.table" or "keyspace.*"',
      'spec.filter.include[2]: must be "keyspace", "keyspace.table" or "keyspace.*"',
    ]);
    expect(await check({ ...spec, filter: { include: ['app'], exclude: ['app'] } })).toEqual([
      'spec.filter.exclude: an entry cannot be both included and excluded',
    ]);
    expect(await check({ ...spec, filter: { include: ['app.users', 'app.*'], exclude: ['app'] } })).toEqual([
      'spec.filter.include[0]: "app.users" is excluded by exclude[0] ("app"): it would restore nothing',
      'spec.filter.include[1]: "app.*" is excluded by exclude[0] ("app"): it would restore nothing',
    ]);
    expect(await check({ ...spec, filter: { exclude: ['audit', 'audit.*'] } })).toEqual([
      'spec.filter.exclude[1]: "audit" repeats exclude[0]',
    ]);
  });

  describe('a plain StatefulSet, whose name says nothing of the Cassandra datacenter', () => {
    // The official image's default: CASSANDRA_DC unset, Cassandra's datacenter "datacenter1".
    const statefulSet = (env: { name: string; value: string }[]): KubeObject => ({
      metadata: { name: 'cassandra', namespace, annotations: { [configurationAnnotation]: 'minio' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'cassandra' } },
        template: { spec: { containers: [{ name: 'cassandra', image: 'cassandra:5.0', env }] } },
      },
    });
    const taken = (dc: string) => ({
      resource: resources.backup,
      object: {
        ...backup('sts-backup', {
          ...complete,
          totalNodes: 3,
          finishedNodes: 3,
          nodes: nodes(['rack1', 'rack1', 'rack1'], dc),
        }),
        spec: { cassandraDatacenter: 'cassandra' },
      },
    });
    const readerWith = (env: { name: string; value: string }[], dc: string) =>
      memoryClusterReader([{ resource: resources.statefulSet, object: statefulSet(env) }, taken(dc)]);
    const spec = { backup: 'sts-backup', cassandraDatacenter: 'cassandra' };

    it('restores a backup taken in "datacenter1" when the pod template does not name the datacenter', async () => {
      expect(await check(spec, readerWith([], 'datacenter1'))).toEqual([]);
    });

    it('compares with CASSANDRA_DC (official image) or CASSANDRA_DATACENTER (Bitnami) when set', async () => {
      expect(await check(spec, readerWith([{ name: 'CASSANDRA_DC', value: 'eu1' }], 'eu1'))).toEqual([]);
      expect(await check(spec, readerWith([{ name: 'CASSANDRA_DATACENTER', value: 'eu1' }], 'eu1'))).toEqual(
        [],
      );
      expect(await check(spec, readerWith([{ name: 'CASSANDRA_DC', value: 'eu2' }], 'eu1'))).toEqual([
        'spec.cassandraDatacenter: MedusaBackup "sts-backup" was taken in datacenter "eu1", not "eu2": restore into a datacenter of the same Cassandra name (CASSANDRA_DC or CASSANDRA_DATACENTER in the pod template)',
      ]);
    });
  });
});
