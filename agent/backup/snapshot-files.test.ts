import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFreeSpace, freeBytes, InsufficientSpaceError } from './free-space.js';
import { discoverSnapshotFiles, selected, tableNameOf, totalsOf } from './snapshot-files.js';

const id = '3a5ad9508e0011eda47ba9b832d0a5c8';

/** A data directory laid out as Cassandra lays it out, with snapshots of two tags. */
function dataDirectory(): string {
  const data = mkdtempSync(join(tmpdir(), 'agent-data-'));
  const file = (path: string, bytes: number) => {
    mkdirSync(join(data, path, '..'), { recursive: true });
    writeFileSync(join(data, path), Buffer.alloc(bytes, 1));
  };
  const snap = (ks: string, table: string, tag = 'medusa-b1') => `${ks}/${table}-${id}/snapshots/${tag}`;
  file(`${snap('shop', 'orders')}/nb-1-big-Data.db`, 100);
  file(`${snap('shop', 'orders')}/nb-1-big-TOC.txt`, 10);
  file(`${snap('shop', 'orders')}/manifest.json`, 5);
  file(`${snap('shop', 'orders')}/schema.cql`, 5);
  file(`${snap('shop', 'orders')}/.orders_status_idx/nb-1-big-Data.db`, 7);
  file(`${snap('shop', 'items')}/nb-2-big-Data.db`, 50);
  file(`${snap('shop', 'items', 'other-tag')}/nb-9-big-Data.db`, 1);
  file(`${snap('system_traces', 'sessions')}/nb-1-big-Data.db`, 3);
  file(`${snap('system', 'local')}/nb-4-big-Data.db`, 20);
  file(`shop/orders-${id}/nb-1-big-Data.db`, 100); // live SSTable, not part of the snapshot
  mkdirSync(join(data, snap('shop', 'empty')), { recursive: true });
  return data;
}

describe('discoverSnapshotFiles', () => {
  it("finds one tag's files per table, with 2i files under their .index folder", async () => {
    const tables = await discoverSnapshotFiles(dataDirectory(), 'medusa-b1');
    expect(tables.map((t) => `${t.keyspace}/${t.tableDir}`)).toEqual([
      `shop/empty-${id}`,
      `shop/items-${id}`,
      `shop/orders-${id}`,
      `system/local-${id}`,
    ]);
    const orders = tables.find((t) => t.table === 'orders')!;
    expect(orders.files.map((f) => [f.relativePath, f.size])).toEqual([
      ['.orders_status_idx/nb-1-big-Data.db', 7],
      ['nb-1-big-Data.db', 100],
      ['nb-1-big-TOC.txt', 10],
    ]);
    expect(tables.find((t) => t.table === 'empty')!.files).toEqual([]);
    expect(totalsOf(tables)).toEqual({ files: 5, bytes: 187 });
  });

  it('applies keyspace and table include/exclude filters', async () => {
    const data = dataDirectory();
    const names = async (filter: Parameters<typeof discoverSnapshotFiles>[2]) =>
      (await discoverSnapshotFiles(data, 'medusa-b1', filter)).map((t) => `${t.keyspace}.${t.table}`);
    expect(await names({ include: ['shop'] })).toEqual(['shop.empty', 'shop.items', 'shop.orders']);
    expect(await names({ include: ['shop.orders', 'system'] })).toEqual(['shop.orders', 'system.local']);
    expect(await names({ exclude: ['shop.items', 'system'] })).toEqual(['shop.empty', 'shop.orders']);
    expect(await names({ include: ['shop'], exclude: ['shop.empty'] })).toEqual([
      'shop.items',
      'shop.orders',
    ]);
  });

  it('finds nothing for an unknown tag or a missing data directory', async () => {
    expect(await discoverSnapshotFiles(dataDirectory(), 'nope')).toEqual([]);
    expect(await discoverSnapshotFiles('/nonexistent/data', 'medusa-b1')).toEqual([]);
  });

  it('names tables without their id suffix', () => {
    expect(tableNameOf(`orders-${id}`)).toBe('orders');
    expect(tableNameOf('legacy_table')).toBe('legacy_table');
    expect(selected({ exclude: ['a'] }, 'a', 't')).toBe(false);
  });

  it('takes "ks.*" as every table of ks, as the CRD admits it (it selected nothing)', () => {
    expect(selected({ include: ['app.*'] }, 'app', 'users')).toBe(true);
    expect(selected({ include: ['app.*'] }, 'other', 'users')).toBe(false);
    expect(selected({ exclude: ['app.*'] }, 'app', 'users')).toBe(false);
    expect(selected({ include: ['app.users'] }, 'app', 'orders')).toBe(false);
  });
});

describe('ensureFreeSpace', () => {
  it('passes when the space is there and names path and sizes when it is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-space-'));
    await ensureFreeSpace(dir, 1024, 'the restore');
    const available = await freeBytes(dir);
    const failure = ensureFreeSpace(dir, available * 2 + 1024 ** 4, 'the restore');
    await expect(failure).rejects.toBeInstanceOf(InsufficientSpaceError);
    await expect(failure).rejects.toThrow(
      new RegExp(`^not enough free space for the restore in ${dir}: .* needed`),
    );
  });
});
