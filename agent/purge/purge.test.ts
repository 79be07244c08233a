import { mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MedusaLayout } from '../backup/layout.js';
import { serializeManifest } from '../../lib/storage/repository/manifest.js';
import { formatTokenMap } from '../backup/medusa-json.js';
import { Catalog } from '../catalog/catalog.js';
import { LocalObjectStore } from '../storage/local-store.js';
import { purge } from './purge.js';

// Purge on a real local bucket holding backups written in Medusa's layout.
const day = 86400;
const now = new Date(1_800_000_000 * 1000);
const epochDaysAgo = (days: number) => Math.floor(now.getTime() / 1000) - days * day;

async function bucket() {
  const base = mkdtempSync(join(tmpdir(), 'agent-purge-'));
  const store = new LocalObjectStore(base, 'b');
  const layout = new MedusaLayout('p');
  const age = (key: string, days: number) => {
    const when = new Date(now.getTime() - days * day * 1000);
    utimesSync(join(store.root, key), when, when);
  };
  const tokenMap = formatTokenMap({
    n1: { tokens: ['1'], is_up: true, rack: 'r', dc: 'dc1' },
    n2: { tokens: ['2'], is_up: true, rack: 'r', dc: 'dc1' },
  });
  /** A finished node backup; differential ones reference pool files, full ones their own folder. */
  const backup = async (
    name: string,
    fqdn: string,
    daysAgo: number,
    files: string[],
    differential: boolean,
  ) => {
    const started = epochDaysAgo(daysAgo);
    const root = layout.dataRoot(fqdn, name, differential);
    const objects = [];
    for (const file of files) {
      const key = `${root}/ks/t-0123/${file}`;
      const stored = await store.putBytes(key, `${file}-bytes`);
      age(key, daysAgo);
      objects.push({ path: key, MD5: stored.hash, size: stored.size });
    }
    const manifest = serializeManifest([{ keyspace: 'ks', columnfamily: 't-0123', objects }]);
    await store.putBytes(layout.meta(fqdn, name, 'schema.cql'), 'CREATE KEYSPACE ks;');
    await store.putBytes(layout.meta(fqdn, name, 'manifest.json'), manifest);
    await store.putBytes(layout.index(name, `tokenmap_${fqdn}.json`), tokenMap);
    await store.putBytes(layout.index(name, `started_${fqdn}_${started}.timestamp`), String(started));
    await store.putBytes(layout.index(name, `manifest_${fqdn}.json`), manifest);
    await store.putBytes(
      layout.index(name, `finished_${fqdn}_${started + 60}.timestamp`),
      String(started + 60),
    );
    if (differential) await store.putBytes(layout.index(name, `differential_${fqdn}`), 'differential');
  };
  return { store, layout, age, backup, catalog: new Catalog(store, 'p') };
}

describe('purge', () => {
  it('removes what max_backup_count selects, then pool files no kept manifest uses once past the grace period', async () => {
    const { store, layout, age, backup, catalog } = await bucket();
    await backup('b1', 'n1', 30, ['a-Data.db', 'shared-Data.db'], true);
    await backup('b2', 'n1', 20, ['shared-Data.db', 'c-Data.db'], true);
    await backup('b3', 'n1', 10, ['shared-Data.db', 'c-Data.db'], true);
    await backup('b1', 'n2', 30, ['x-Data.db'], false); // another node: never touched
    // Pool files no manifest references: one old (a crashed backup long ago), one fresh (a running one).
    await store.putBytes(`${layout.pool('n1')}ks/t-0123/old-orphan-Data.db`, 'o');
    age(`${layout.pool('n1')}ks/t-0123/old-orphan-Data.db`, 20);
    await store.putBytes(`${layout.pool('n1')}ks/t-0123/fresh-orphan-Data.db`, 'f');
    age(`${layout.pool('n1')}ks/t-0123/fresh-orphan-Data.db`, 1);

    const stats = await purge({
      catalog,
      fqdn: 'n1',
      maxBackupAge: 0,
      maxBackupCount: 2,
      backupGracePeriodInDays: 5,
      now,
    });
    expect(stats.backupsPurged).toEqual(['b1']);
    // b1's meta (2 objects) + a-Data.db and old-orphan-Data.db from the pool.
    expect(stats.objectsPurged).toBe(4);
    expect(stats.objectsWithinGracePeriod).toBe(1);

    const pool = (await store.list(layout.pool('n1'))).map((o) => o.key.split('/').at(-1)).sort();
    expect(pool).toEqual(['c-Data.db', 'fresh-orphan-Data.db', 'shared-Data.db']);
    expect(await store.list(layout.backupFolder('n1', 'b1'))).toEqual([]);
    expect((await catalog.nodeBackups('n1')).map((b) => b.name)).toEqual(['b2', 'b3']);
    expect((await catalog.nodeBackups('n2')).map((b) => b.name)).toEqual(['b1']);
    expect(await store.head(`${layout.backupFolder('n2', 'b1')}data/ks/t-0123/x-Data.db`)).toBeDefined();
  });

  it('removes backups older than max_backup_age; a full backup takes its own data along', async () => {
    const { store, layout, backup, catalog } = await bucket();
    await backup('old', 'n1', 40, ['a-Data.db'], false);
    await backup('new', 'n1', 1, ['b-Data.db'], false);
    const stats = await purge({
      catalog,
      fqdn: 'n1',
      maxBackupAge: 30,
      maxBackupCount: 0,
      backupGracePeriodInDays: 10,
      now,
    });
    expect(stats).toMatchObject({ backupsPurged: ['old'], objectsPurged: 3, objectsWithinGracePeriod: 0 });
    expect(await store.list(layout.backupFolder('n1', 'old'))).toEqual([]);
    expect((await store.list(layout.backupFolder('n1', 'new'))).length).toBe(3);
    // The index no longer knows the purged backup; the cluster view is computed from what is left.
    expect((await catalog.clusterBackups()).map((b) => b.name)).toEqual(['new']);
  });
});
