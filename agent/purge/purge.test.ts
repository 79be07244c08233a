import { mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MedusaLayout } from '../backup/layout.js';
import { serializeManifest } from '../../lib/storage/repository/manifest.js';
import { formatTokenMap } from '../backup/medusa-json.js';
import { Catalog } from '../catalog/catalog.js';
import { LocalObjectStore } from '../storage/local-store.js';
import { NodeBackupLock } from '../backup/node-lock.js';
import { deleteBackups, purge } from './purge.js';

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
      const key = `${root}/ks/t-0123456789abcdef0123456789abcdef/${file}`;
      const stored = await store.putBytes(key, `${file}-bytes`);
      age(key, daysAgo);
      objects.push({ path: key, MD5: stored.hash, size: stored.size });
    }
    const manifest = serializeManifest([
      { keyspace: 'ks', columnfamily: 't-0123456789abcdef0123456789abcdef', objects },
    ]);
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
    await store.putBytes(`${layout.pool('n1')}ks/t-0123456789abcdef0123456789abcdef/old-orphan-Data.db`, 'o');
    age(`${layout.pool('n1')}ks/t-0123456789abcdef0123456789abcdef/old-orphan-Data.db`, 20);
    await store.putBytes(
      `${layout.pool('n1')}ks/t-0123456789abcdef0123456789abcdef/fresh-orphan-Data.db`,
      'f',
    );
    age(`${layout.pool('n1')}ks/t-0123456789abcdef0123456789abcdef/fresh-orphan-Data.db`, 1);

    const stats = await purge({
      catalog,
      fqdn: 'n1',
      maxBackupAge: 0,
      maxBackupCount: 2,
      backupGracePeriodInDays: 5,
      now,
      lockPath: rules(0, 0).lockPath,
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
    expect(
      await store.head(
        `${layout.backupFolder('n2', 'b1')}data/ks/t-0123456789abcdef0123456789abcdef/x-Data.db`,
      ),
    ).toBeDefined();
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
      lockPath: rules(0, 0).lockPath,
    });
    expect(stats).toMatchObject({ backupsPurged: ['old'], objectsPurged: 3, objectsWithinGracePeriod: 0 });
    expect(await store.list(layout.backupFolder('n1', 'old'))).toEqual([]);
    expect((await store.list(layout.backupFolder('n1', 'new'))).length).toBe(3);
    // The index no longer knows the purged backup; the cluster view is computed from what is left.
    expect((await catalog.clusterBackups()).map((b) => b.name)).toEqual(['new']);
  });

  /** A backup killed during its upload: meta and start entries, some pool files, no manifest. */
  const killed = async (
    b: Awaited<ReturnType<typeof bucket>>,
    name: string,
    fqdn: string,
    daysAgo: number,
    files: string[],
  ) => {
    const started = epochDaysAgo(daysAgo);
    await b.store.putBytes(b.layout.meta(fqdn, name, 'schema.cql'), 'CREATE KEYSPACE ks;');
    await b.store.putBytes(b.layout.index(name, `tokenmap_${fqdn}.json`), '{}');
    await b.store.putBytes(b.layout.index(name, `started_${fqdn}_${started}.timestamp`), String(started));
    await b.store.putBytes(b.layout.index(name, `differential_${fqdn}`), 'differential');
    for (const file of files) {
      const key = `${b.layout.pool(fqdn)}ks/${table}/${file}`;
      await b.store.putBytes(key, 'partial');
      b.age(key, daysAgo);
    }
  };
  const table = 't-0123456789abcdef0123456789abcdef';
  const rules = (maxBackupAge: number, maxBackupCount: number, extra: Record<string, unknown> = {}) => ({
    fqdn: 'n1',
    maxBackupAge,
    maxBackupCount,
    backupGracePeriodInDays: 5,
    now,
    lockPath: join(mkdtempSync(join(tmpdir(), 'agent-purge-lock-')), 'lock'),
    ...extra,
  });

  it('keeps the complete backup when a newer one was killed, with max_backup_count = 1', async () => {
    const b = await bucket();
    await b.backup('good', 'n1', 2, ['a-Data.db'], true);
    await killed(b, 'killed', 'n1', 1, ['k-Data.db']);
    const stats = await purge({ catalog: b.catalog, ...rules(0, 1) });
    expect(stats.backupsPurged).toEqual([]);
    expect((await b.catalog.nodeBackups('n1')).map((n) => [n.name, n.finished !== undefined])).toEqual([
      ['good', true],
      ['killed', false],
    ]);
    // A newer complete backup supersedes both the old complete one and the killed one.
    await b.backup('newer', 'n1', 0, ['a-Data.db', 'n-Data.db'], true);
    const next = await purge({ catalog: b.catalog, ...rules(0, 1) });
    expect(next.backupsPurged).toEqual(['good', 'killed']);
    expect(await b.store.list(b.layout.backupFolder('n1', 'killed'))).toEqual([]);
    // k-Data.db is 1 day old, within the 5-day grace period: kept.
    expect(next.objectsWithinGracePeriod).toBe(1);
  });

  it('never deletes the last complete backup by age unless --allow-no-complete-backup', async () => {
    const b = await bucket();
    await b.backup('c40', 'n1', 40, ['a-Data.db'], true);
    await b.backup('c30', 'n1', 30, ['b-Data.db'], true);
    await killed(b, 'i1', 'n1', 1, []);
    const stats = await purge({ catalog: b.catalog, ...rules(7, 0) });
    expect(stats).toMatchObject({ backupsPurged: ['c40'], keptLastComplete: 'c30' });
    const forced = await purge({ catalog: b.catalog, ...rules(7, 0, { allowNoCompleteBackup: true }) });
    expect(forced.backupsPurged).toEqual(['c30']);
    expect((await b.catalog.nodeBackups('n1')).map((n) => n.name)).toEqual(['i1']);
  });

  it('refuses a grace period that is not a number, and refuses to run beside a backup', async () => {
    const b = await bucket();
    await b.backup('c1', 'n1', 40, ['a-Data.db'], true);
    await b.store.putBytes(`${b.layout.pool('n1')}ks/${table}/fresh-Data.db`, 'f');
    await expect(
      purge({ catalog: b.catalog, ...rules(0, 0, { backupGracePeriodInDays: NaN }) }),
    ).rejects.toThrow('backup grace period NaN is not a non-negative number of days');
    expect(await b.store.head(`${b.layout.pool('n1')}ks/${table}/fresh-Data.db`)).toBeDefined();
    const options = rules(0, 0);
    const running = await NodeBackupLock.acquire('b2', options.lockPath);
    await expect(purge({ catalog: b.catalog, ...options })).rejects.toThrow(
      `backup b2 is already running on this node (pid ${process.pid})`,
    );
    await running.release();
    await purge({ catalog: b.catalog, ...options });
  });

  it('delete-backup removes one backup (complete or partial) and the pool files only it used', async () => {
    const b = await bucket();
    await b.backup('d1', 'n1', 20, ['a-Data.db', 'shared-Data.db'], true);
    await b.backup('d2', 'n1', 10, ['shared-Data.db'], true);
    await b.backup('d1', 'n2', 20, ['x-Data.db'], true);
    await killed(b, 'partial', 'n1', 10, ['p-Data.db']);
    await b.store.putBytes(b.layout.latest('n1', 'backup_name.txt'), 'd1');
    const base = {
      catalog: b.catalog,
      fqdn: 'n1',
      backupGracePeriodInDays: 5,
      now,
      lockPath: rules(0, 0).lockPath,
    };
    await expect(deleteBackups({ ...base, names: ['nope'], allNodes: false })).rejects.toThrow(
      'The backup nope does not exist',
    );
    const stats = await deleteBackups({ ...base, names: ['d1', 'partial'], allNodes: false });
    expect(stats.backupsPurged).toEqual(['d1', 'partial']);
    const pool = (await b.store.list(b.layout.pool('n1'))).map((o) => o.key.split('/').at(-1));
    expect(pool).toEqual(['shared-Data.db']);
    expect((await b.catalog.nodeBackups()).map((n) => `${n.name}@${n.fqdn}`)).toEqual(['d1@n2', 'd2@n1']);
    expect(await b.store.head(b.layout.latest('n1', 'backup_name.txt'))).toBeUndefined();
    // --all-nodes takes the other nodes' parts too.
    await deleteBackups({ ...base, names: ['d1'], allNodes: true });
    expect((await b.catalog.nodeBackups()).map((n) => `${n.name}@${n.fqdn}`)).toEqual(['d2@n1']);
  });
});
