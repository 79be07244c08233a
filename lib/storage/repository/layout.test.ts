import { describe, expect, it } from 'vitest';
import { BucketLayout } from './layout.js';

describe('BucketLayout', () => {
  const prefixed = new BucketLayout('clusterA');
  const bare = new BucketLayout();
  const f = 'node1.example.com';

  it('places meta, full and differential data as Medusa does', () => {
    expect(prefixed.meta(f, 'b-full', 'schema.cql')).toBe(
      'clusterA/node1.example.com/b-full/meta/schema.cql',
    );
    const file = { keyspace: 'shop', table: 'orders-3a5a', name: 'nb-1-big-Data.db' };
    expect(prefixed.dataKey(f, 'b-full', false, file)).toBe(
      'clusterA/node1.example.com/b-full/data/shop/orders-3a5a/nb-1-big-Data.db',
    );
    expect(prefixed.dataKey(f, 'b-diff', true, { ...file, indexDir: '.orders_status_idx' })).toBe(
      'clusterA/node1.example.com/data/shop/orders-3a5a/.orders_status_idx/nb-1-big-Data.db',
    );
    expect(bare.pool(f)).toBe('node1.example.com/data/');
  });

  it('names index entries exactly', () => {
    expect(prefixed.backupIndex).toBe('clusterA/index/backup_index');
    expect(prefixed.indexTokenmap('b', f)).toBe(
      'clusterA/index/backup_index/b/tokenmap_node1.example.com.json',
    );
    expect(prefixed.indexSchema('b', f)).toBe('clusterA/index/backup_index/b/schema_node1.example.com.cql');
    expect(prefixed.indexStarted('b', f, 1722270001)).toBe(
      'clusterA/index/backup_index/b/started_node1.example.com_1722270001.timestamp',
    );
    expect(prefixed.indexFinished('b', f, 1722270245)).toBe(
      'clusterA/index/backup_index/b/finished_node1.example.com_1722270245.timestamp',
    );
    expect(prefixed.indexDifferential('b', f)).toBe(
      'clusterA/index/backup_index/b/differential_node1.example.com',
    );
    expect(prefixed.indexManifest('b', f)).toBe(
      'clusterA/index/backup_index/b/manifest_node1.example.com.json',
    );
    expect(bare.latestBackupName(f)).toBe('index/latest_backup/node1.example.com/backup_name.txt');
    expect(bare.latestTokenmap(f)).toBe('index/latest_backup/node1.example.com/tokenmap.json');
  });

  it('never builds a key that leaves its folder', () => {
    expect(() => bare.meta('..', 'b', 'schema.cql')).toThrow();
    expect(() => bare.meta(f, 'a/b', 'schema.cql')).toThrow();
    expect(() => bare.dataKey(f, 'b', false, { keyspace: 'ks', table: '..', name: 'x' })).toThrow();
    expect(() => new BucketLayout('x')).toThrow(/one character/);
  });
});
