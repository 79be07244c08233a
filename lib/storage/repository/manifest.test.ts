import { describe, expect, it } from 'vitest';
import {
  manifestTotals,
  parseManifest,
  pathInTable,
  serializeManifest,
  serializeServerVersion,
} from './manifest.js';

const medusaManifest =
  '[{"keyspace": "shop", "columnfamily": "orders-3a5ad9508e0011eda47ba9b832d0a5c8", "objects": [' +
  '{"path": "clusterA/node1/data/shop/orders-3a5ad9508e0011eda47ba9b832d0a5c8/nb-1-big-Data.db", "MD5": "9e107d9d372bb6826bd81d3542a419d6", "size": 52428}, ' +
  '{"path": "clusterA/node1/data/shop/orders-3a5ad9508e0011eda47ba9b832d0a5c8/.orders_status_idx/nb-1-big-Data.db", "MD5": null, "size": 812}]}, ' +
  '{"keyspace": "system", "columnfamily": "local-7ad54392bcdd35a684174e047860b377", "objects": []}]';

const key = 'pfx/node1/b1/meta/manifest.json';
const cf = 'orders-3a5ad9508e0011eda47ba9b832d0a5c8';
const object = (fields: Record<string, unknown>) => ({
  path: `pfx/node1/b1/data/shop/${cf}/nb-1-big-Data.db`,
  MD5: '9e107d9d372bb6826bd81d3542a419d6',
  size: 10,
  ...fields,
});
const section = (fields: Record<string, unknown>) => ({
  keyspace: 'shop',
  columnfamily: cf,
  objects: [object({})],
  ...fields,
});
const without = (value: Record<string, unknown>, field: string) =>
  Object.fromEntries(Object.entries(value).filter(([name]) => name !== field));
const text = (sections: unknown[]) => JSON.stringify(sections);

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
    expect(pathInTable(manifest[0]!, manifest[0]!.objects[1]!)).toBe('.orders_status_idx/nb-1-big-Data.db');
  });

  it('tolerates sizes written as strings, as Python readers do', () => {
    const manifest = parseManifest(text([section({ objects: [object({ size: '12' })] })]));
    expect(manifest[0]?.objects[0]?.size).toBe(12);
  });

  it('writes manifests with path, MD5, size in that order and reads string sizes back as numbers', () => {
    const written = serializeManifest([
      { keyspace: 'ks', columnfamily: 't-1', objects: [{ path: 'p/n/b/data/ks/t-1/f', MD5: null, size: 3 }] },
    ]);
    expect(written).toBe(
      '[{"keyspace": "ks", "columnfamily": "t-1", "objects": [{"path": "p/n/b/data/ks/t-1/f", "MD5": null, "size": 3}]}]',
    );
    expect(parseManifest(written.replace('"size": 3', '"size": "3"'))[0]?.objects[0]?.size).toBe(3);
  });

  it('takes what Cassandra and Medusa write: index folders, DSE sections, empty files and tables', () => {
    const manifest = parseManifest(
      text([
        section({
          objects: [
            object({ path: `n/data/shop/${cf}/nb-2-big-SAI+aa+orders_idx+KDTree.db`, size: 0 }),
            object({ path: `n/data/shop/${cf}/.orders_idx/nb-1-big-Data.db`, MD5: null }),
          ],
        }),
        {
          keyspace: 'dse',
          columnfamily: 'metadata',
          objects: [object({ path: 'n/b/data/dse/metadata/f.db' })],
        },
        { keyspace: 'system', columnfamily: 'IndexInfo-9f5c6374d48532299a0a5094af9ad1e3', objects: [] },
        section({ columnfamily: 'old_table', objects: [object({ path: 'n/data/shop/old_table/snodes/f' })] }),
      ]),
      key,
    );
    expect(manifest.map((s) => s.objects.length)).toEqual([2, 1, 0, 1]);
  });

  // Each of these would let a restore create or remove files outside the data directory, or is not
  // a manifest Medusa writes. Every refusal names the file and the section.
  const tampered: [string, unknown[], RegExp][] = [
    [
      'a keyspace climbing out of the data directory',
      [section({ keyspace: '../../../../opt/victim', columnfamily: 'dir', objects: [] })],
      /section 1: keyspace "..\/..\/..\/..\/opt\/victim" is not a Cassandra keyspace name/,
    ],
    ['a table directory ".."', [section({ columnfamily: '..', objects: [] })], /columnfamily "\.\." is not/],
    ['a keyspace "."', [section({ keyspace: '.', objects: [] })], /keyspace "\." is not/],
    ['a table directory with a slash', [section({ columnfamily: 'a/../../b', objects: [] })], /columnfamily/],
    ['an empty keyspace', [section({ keyspace: '' })], /keyspace "" is not/],
    ['a keyspace of 49 characters', [section({ keyspace: 'k'.repeat(49) })], /keyspace "k{49}" is not/],
    ['a keyspace that is a number', [section({ keyspace: 7 })], /keyspace 7 is not/],
    [
      'an absolute object key',
      [section({ objects: [object({ path: '/etc/passwd' })] })],
      /'\/etc\/passwd' is absolute/,
    ],
    [
      'an object key with ../',
      [section({ objects: [object({ path: `p/n/b/data/shop/${cf}/../../../../../tmp/x` })] })],
      /has an empty, '\.' or '\.\.' segment/,
    ],
    [
      'an object key ending in ..',
      [section({ objects: [object({ path: `p/n/b/data/shop/${cf}/..` })] })],
      /segment/,
    ],
    [
      'an object key of another table',
      [section({ objects: [object({ path: 'p/n/b/data/shop/other-1234/nb-1-big-Data.db' })] })],
      /is not below shop\/orders-/,
    ],
    [
      'an object key in a folder that is no index folder',
      [section({ objects: [object({ path: `p/n/b/data/shop/${cf}/sub/nb-1-big-Data.db` })] })],
      /has 'sub', which is not an index directory/,
    ],
    [
      'an object key two folders deep',
      [section({ objects: [object({ path: `p/n/b/data/shop/${cf}/.idx/x/f` })] })],
      /is not below/,
    ],
    [
      'an object key with no folder',
      [section({ objects: [object({ path: 'nb-1-big-Data.db' })] })],
      /is not below/,
    ],
    ['a negative size', [section({ objects: [object({ size: -1 })] })], /size -1 is not a byte count/],
    ['a fractional size', [section({ objects: [object({ size: 1.5 })] })], /size 1\.5 is not/],
    ['a size that is no number', [section({ objects: [object({ size: 'abc' })] })], /size "abc" is not/],
    ['an empty string size', [section({ objects: [object({ size: '' })] })], /size "" is not/],
    ['a null size', [section({ objects: [object({ size: null })] })], /size null is not/],
    [
      'a size of 6 TiB',
      [section({ objects: [object({ size: 6 * 1024 ** 4 })] })],
      /size 6597069766656 is not/,
    ],
    ['a size beyond 2^53', [section({ objects: [object({ size: 2 ** 60 })] })], /is not a byte count/],
    [
      'an object without path',
      [section({ objects: [without(object({}), 'path')] })],
      /object 1: has no path/,
    ],
    ['an object without MD5', [section({ objects: [without(object({}), 'MD5')] })], /object 1: has no MD5/],
    [
      'an object without size',
      [section({ objects: [without(object({}), 'size')] })],
      /object 1: has no size/,
    ],
    ['an MD5 that is a number', [section({ objects: [object({ MD5: 5 })] })], /MD5 5 is neither/],
    ['a path that is no string', [section({ objects: [object({ path: 5 })] })], /path 5/],
    ['a null object', [section({ objects: [null] })], /object 1: is null, not an object/],
    ['a section without keyspace', [without(section({}), 'keyspace')], /section 1: has no keyspace/],
    ['a section without columnfamily', [without(section({}), 'columnfamily')], /has no columnfamily/],
    ['a section without objects', [without(section({}), 'objects')], /has no objects/],
    ['objects that are null', [section({ objects: null })], /objects is null, not a list/],
    ['a null section', [section({}), null], /section 2: is null, not an object/],
    ['a section that is a list', [[]], /section 1: is \[\], not an object/],
    ['the same table twice', [section({}), section({})], /section 2: shop\/orders-\w+ has a section already/],
    [
      'two objects for one file',
      [section({ objects: [object({}), object({ path: `other/n/b/data/shop/${cf}/nb-1-big-Data.db` })] })],
      /object 2: a second object for shop\/orders-\w+\/nb-1-big-Data\.db/,
    ],
  ];

  it.each(tampered)('refuses %s, naming the file', (_what, sections, message) => {
    expect(() => parseManifest(text(sections), key)).toThrow(message);
    expect(() => parseManifest(text(sections), key)).toThrow(new RegExp(`^${key}: `));
  });

  it('refuses invalid JSON and anything but a list, naming the file', () => {
    expect(() => parseManifest('[{"keyspace": "shop", ', key)).toThrow(
      new RegExp(`^${key}: not valid JSON \\(`),
    );
    expect(() => parseManifest('', key)).toThrow(`${key}: not valid JSON`);
    expect(() => parseManifest('{}', key)).toThrow(`${key}: must hold an array of table sections`);
    expect(() => parseManifest('null')).toThrow('manifest.json: must hold an array');
  });

  it('writes server_version.json like Medusa', () => {
    expect(serializeServerVersion({ server_type: 'cassandra', release_version: '5.0.8' })).toBe(
      '{"server_type": "cassandra", "release_version": "5.0.8"}',
    );
  });
});
