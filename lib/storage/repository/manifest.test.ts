import { describe, expect, it } from 'vitest';
import { manifestTotals, parseManifest, serializeManifest, serializeServerVersion } from './manifest.js';

const medusaManifest =
  '[{"keyspace": "shop", "columnfamily": "orders-3a5ad9508e0011eda47ba9b832d0a5c8", "objects": [' +
  '{"path": "clusterA/node1/data/shop/orders-3a5ad9508e0011eda47ba9b832d0a5c8/nb-1-big-Data.db", "MD5": "9e107d9d372bb6826bd81d3542a419d6", "size": 52428}, ' +
  '{"path": "clusterA/node1/data/shop/orders-3a5ad9508e0011eda47ba9b832d0a5c8/.orders_status_idx/nb-1-big-Data.db", "MD5": null, "size": 812}]}, ' +
  '{"keyspace": "system", "columnfamily": "local-7ad54392bcdd35a684174e047860b377", "objects": []}]';

describe('manifest.json', () => {
  it('round-trips Medusa output byte for byte, null hashes included', () => {
    const manifest = parseManifest(medusaManifest);
    expect(manifest[0]?.objects[1]).toEqual({
      path: 'clusterA/node1/data/shop/orders-3a5ad9508e0011eda47ba9b832d0a5c8/.orders_status_idx/nb-1-big-Data.db',
      MD5: null,
      size: 812,
    });
    expect(serializeManifest(manifest)).toBe(medusaManifest);
    expect(manifestTotals(manifest)).toEqual({ size: 53240, objects: 2 });
  });

  it('tolerates sizes written as strings, as Python readers do', () => {
    const manifest = parseManifest(
      '[{"keyspace": "k", "columnfamily": "t", "objects": [{"path": "p", "MD5": "x", "size": "12"}]}]',
    );
    expect(manifest[0]?.objects[0]?.size).toBe(12);
  });

  it('writes manifests with path, MD5, size in that order and reads string sizes back as numbers', () => {
    const text = serializeManifest([
      { keyspace: 'ks', columnfamily: 't-1', objects: [{ path: 'p/n/b/data/ks/t-1/f', MD5: null, size: 3 }] },
    ]);
    expect(text).toBe(
      '[{"keyspace": "ks", "columnfamily": "t-1", "objects": [{"path": "p/n/b/data/ks/t-1/f", "MD5": null, "size": 3}]}]',
    );
    expect(parseManifest(text.replace('"size": 3', '"size": "3"'))[0]?.objects[0]?.size).toBe(3);
  });

  it('rejects malformed manifests', () => {
    expect(() => parseManifest('{}')).toThrow(/array/);
    expect(() => parseManifest('[{"keyspace": "k"}]')).toThrow(/keyspace, columnfamily and objects/);
  });

  it('writes server_version.json like Medusa', () => {
    expect(serializeServerVersion({ server_type: 'cassandra', release_version: '5.0.8' })).toBe(
      '{"server_type": "cassandra", "release_version": "5.0.8"}',
    );
  });
});
