import { describe, expect, it } from 'vitest';
import { keepLastComplete, selectForPurge } from '../purge/purge.js';
import type { NodeBackupEntry } from './catalog.js';
import { parseIndexKey } from './catalog.js';

describe('parseIndexKey', () => {
  it('reads backup, node and kind from index file names as Medusa does', () => {
    expect(
      parseIndexKey('p1/index/backup_index/b1/started_10.0.0.1_1722270001.timestamp', 'p1'),
    ).toMatchObject({
      name: 'b1',
      fqdn: '10.0.0.1',
      kind: 'started',
      epoch: 1722270001,
    });
    expect(parseIndexKey('index/backup_index/b1/tokenmap_node1.example.com.json', undefined)).toMatchObject({
      fqdn: 'node1.example.com',
      kind: 'tokenmap',
    });
    expect(parseIndexKey('index/backup_index/b1/differential_n1', undefined)).toMatchObject({
      kind: 'differential',
    });
    // Wrong depth or unknown files are ignored, as Medusa logs and skips them.
    expect(parseIndexKey('p1/index/backup_index/b1/started_n_1.timestamp', undefined)).toBeUndefined();
    expect(parseIndexKey('index/backup_index/b1/notes.txt', undefined)).toBeUndefined();
  });
});

describe('selectForPurge', () => {
  const day = 86400;
  const now = new Date(100 * day * 1000);
  const backup = (name: string, ageDays: number): NodeBackupEntry => ({
    name,
    fqdn: 'n1',
    started: 100 * day - ageDays * day,
    finished: 100 * day - ageDays * day + 60,
    differential: true,
    indexKeys: [],
  });
  const backups = [backup('b40', 40), backup('b20', 20), backup('b5', 5), backup('b1', 1)];
  const names = (age: number, count: number) => selectForPurge(backups, age, count, now).map((b) => b.name);

  it('selects by age, by count, and the union of both; 0 disables a rule', () => {
    expect(names(0, 0)).toEqual([]);
    expect(names(30, 0)).toEqual(['b40']);
    expect(names(0, 2)).toEqual(['b40', 'b20']);
    expect(names(10, 3)).toEqual(['b40', 'b20']);
    expect(names(0, 10)).toEqual([]);
  });

  const incomplete = (name: string, ageDays: number): NodeBackupEntry => ({
    ...backup(name, ageDays),
    finished: undefined,
  });
  const done = (name: string, ageDays: number): NodeBackupEntry => ({
    ...backup(name, ageDays),
    finished: 100 * day - ageDays * day + 60,
  });

  it('counts complete backups only: an incomplete backup never displaces a complete one', () => {
    // Today's code counted the killed backup: with max_backup_count = 1 it deleted the complete one.
    const killed = [done('good', 2), incomplete('killed', 1)];
    expect(selectForPurge(killed, 0, 1, now).map((b) => b.name)).toEqual([]);
    const mixed = [
      done('c40', 40),
      incomplete('i30', 30),
      done('c20', 20),
      incomplete('i10', 10),
      done('c5', 5),
    ];
    // Keeps the 2 newest complete; incomplete ones older than the newest complete are superseded.
    expect(selectForPurge(mixed, 0, 2, now).map((b) => b.name)).toEqual(['c40', 'i30', 'i10']);
    expect(selectForPurge(mixed, 25, 0, now).map((b) => b.name)).toEqual(['c40', 'i30']);
    // An incomplete backup newer than every complete one (the last attempt) stays under a count rule.
    expect(selectForPurge([done('c5', 5), incomplete('i1', 1)], 0, 1, now).map((b) => b.name)).toEqual([]);
  });

  it('never leaves the node without a complete backup unless allowed', () => {
    const all = [done('c40', 40), done('c30', 30), incomplete('i1', 1)];
    const selected = selectForPurge(all, 7, 0, now);
    expect(selected.map((b) => b.name)).toEqual(['c40', 'c30']);
    const kept = keepLastComplete(all, selected, false);
    expect(kept.remove.map((b) => b.name)).toEqual(['c40']);
    expect(kept.spared?.name).toBe('c30');
    expect(keepLastComplete(all, selected, true).remove.map((b) => b.name)).toEqual(['c40', 'c30']);
    // Nothing to protect when a complete backup is left, or when there never was one.
    expect(keepLastComplete(all, selected.slice(0, 1), false).spared).toBeUndefined();
    expect(keepLastComplete([incomplete('i1', 40)], [incomplete('i1', 40)], false).spared).toBeUndefined();
  });
});

describe('Catalog listing as Medusa lists', () => {
  it('ignores index entries whose node folder is gone, and dates entries without timestamps from schema.cql', async () => {
    const { mkdtemp, rm, utimes } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { LocalObjectStore } = await import('../storage/local-store.js');
    const { Catalog } = await import('./catalog.js');
    const dir = await mkdtemp(join(tmpdir(), 'cmds-catalog-'));
    try {
      const store = new LocalObjectStore(dir, 'cmds-bucket');
      const catalog = new Catalog(store, 'p');
      const tokenmap = JSON.stringify({ n1: { tokens: [1], is_up: true, rack: 'r1', dc: 'dc1' } });
      const write = async (name: string, opts: { folder: boolean; timestamps: boolean }) => {
        await store.putBytes(`p/index/backup_index/${name}/tokenmap_n1.json`, tokenmap);
        await store.putBytes(`p/index/backup_index/${name}/schema_n1.cql`, 'schema');
        await store.putBytes(`p/index/backup_index/${name}/manifest_n1.json`, '[]');
        if (opts.timestamps) {
          await store.putBytes(`p/index/backup_index/${name}/started_n1_1000.timestamp`, '1000');
          await store.putBytes(`p/index/backup_index/${name}/finished_n1_1100.timestamp`, '1100');
        }
        if (opts.folder) {
          await store.putBytes(`p/n1/${name}/meta/schema.cql`, 'schema');
          await store.putBytes(`p/n1/${name}/meta/manifest.json`, '[]');
        }
      };
      await write('kept', { folder: true, timestamps: true });
      await write('deleted', { folder: false, timestamps: true });
      await write('untimed', { folder: true, timestamps: false });
      const when = new Date('2026-01-02T03:04:05Z');
      await utimes(join(dir, 'cmds-bucket', 'p/n1/untimed/meta/schema.cql'), when, when);
      await utimes(join(dir, 'cmds-bucket', 'p/n1/untimed/meta/manifest.json'), when, when);

      const nodes = await catalog.nodeBackups();
      expect(nodes.map((n) => n.name)).toEqual(['kept', 'untimed']);
      const untimed = nodes.find((n) => n.name === 'untimed')!;
      expect(untimed.started).toBe(when.getTime() / 1000);
      expect(untimed.finished).toBe(when.getTime() / 1000);
      expect((await catalog.clusterBackups()).map((b) => [b.name, b.complete])).toEqual([
        ['kept', true],
        ['untimed', true],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
