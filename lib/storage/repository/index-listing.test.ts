import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../driver.js';
import { clusterBackupFrom } from './cluster.js';
import { nodeBackupsFromIndex, parseIndexKey } from './index-listing.js';
import { parseTokenMap } from './tokenmap.js';

const object = (key: string): ObjectInfo => ({ key, size: 1, hash: null, lastModified: new Date(0) });

describe('parseIndexKey', () => {
  it('extracts backup, fqdn and kind like medusa/storage/__init__.py', () => {
    expect(parseIndexKey('p1/index/backup_index/b1/started_10.0.0.1_1722270001.timestamp', 'p1')).toEqual({
      name: 'b1',
      fqdn: '10.0.0.1',
      kind: 'started',
      epoch: 1722270001,
    });
    expect(parseIndexKey('index/backup_index/b1/tokenmap_node_a.example.com.json', undefined)).toMatchObject({
      fqdn: 'node_a.example.com',
      kind: 'tokenmap',
    });
    expect(parseIndexKey('index/backup_index/b1/incremental_n1', undefined)).toMatchObject({
      kind: 'differential',
    });
  });

  it('ignores improper keys', () => {
    expect(parseIndexKey('index/backup_index/b1/x/tokenmap_n1.json', undefined)).toBeUndefined();
    expect(parseIndexKey('p1/index/backup_index/b1/tokenmap_n1.json', undefined)).toBeUndefined();
    expect(parseIndexKey('index/backup_index/b1/README', undefined)).toBeUndefined();
  });
});

describe('cluster backups from the index', () => {
  const keys = [
    'index/backup_index/b1/tokenmap_n1.json',
    'index/backup_index/b1/schema_n1.cql',
    'index/backup_index/b1/started_n1_100.timestamp',
    'index/backup_index/b1/differential_n1',
    'index/backup_index/b1/manifest_n1.json',
    'index/backup_index/b1/finished_n1_160.timestamp',
    'index/backup_index/b1/tokenmap_n2.json',
    'index/backup_index/b1/started_n2_90.timestamp',
    // No started entry: Medusa drops it.
    'index/backup_index/b2/tokenmap_n1.json',
  ];
  const tokenmap = parseTokenMap(
    '{"n1": {"tokens": [1], "is_up": true, "rack": "r1", "dc": "dc1"}, "n2": {"tokens": [2], "is_up": true, "rack": "r1", "dc": "dc1"}, "n3": {"tokens": [3], "is_up": true}}',
  );

  it('keeps node backups with tokenmap and started entries, sorted by start', () => {
    const nodes = nodeBackupsFromIndex(keys.map(object), undefined);
    expect(nodes.map((n) => [n.name, n.fqdn, n.started, n.finished, n.differential])).toEqual([
      ['b1', 'n2', 90, undefined, false],
      ['b1', 'n1', 100, 160, true],
    ]);
  });

  it('reports complete, incomplete and missing nodes against the tokenmap', () => {
    const nodes = nodeBackupsFromIndex(keys.map(object), undefined);
    const cluster = clusterBackupFrom(nodes, tokenmap);
    expect(cluster).toMatchObject({
      name: 'b1',
      started: 90,
      complete: false,
      backupType: 'full',
      completedNodes: ['n1'],
      incompleteNodes: ['n2'],
      missingNodes: ['n3'],
    });
    expect(cluster.finished).toBeUndefined();
  });

  it('is complete with a finish time once every expected node finished', () => {
    const done = nodeBackupsFromIndex(
      [...keys, 'index/backup_index/b1/finished_n2_170.timestamp'].map(object),
      undefined,
    );
    const two = parseTokenMap('{"n1": {"tokens": [1], "is_up": true}, "n2": {"tokens": [2], "is_up": true}}');
    expect(clusterBackupFrom(done, two)).toMatchObject({ complete: true, finished: 170 });
  });
});
