import { describe, expect, it } from 'vitest';
import { selectForPurge } from '../purge/purge.js';
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

  it('counts incomplete backups towards the limit, as Medusa does', () => {
    const withIncomplete = [...backups.slice(0, 3), { ...backup('running', 0), finished: undefined }];
    expect(selectForPurge(withIncomplete, 0, 3, now).map((b) => b.name)).toEqual(['b40']);
  });
});
