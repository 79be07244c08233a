import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.js';
import type { ObjectInfo } from '../driver.js';
import { LocalBackend } from '../drivers/local.js';
import { Storage } from '../storage.js';
import { BackupRepository } from './repository.js';
import { snapshotTables } from './snapshot-files.js';
import { parseTokenMap } from './tokenmap.js';

/** The real local backend, recording the order of writes. */
class RecordingBackend extends LocalBackend {
  readonly writes: string[] = [];
  override putBytes(key: string, data: Buffer): Promise<ObjectInfo> {
    this.writes.push(key);
    return super.putBytes(key, data);
  }
  override putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
    this.writes.push(key);
    return super.putStream(key, source, size);
  }
}

const fqdn = '10.0.0.1';
const tokenmap = parseTokenMap(
  `{"${fqdn}": {"tokens": [-9223372036854775808], "is_up": true, "rack": "r1", "dc": "dc1"}}`,
);
const serverVersion = { server_type: 'cassandra', release_version: '5.0.8' };

let dir: string;
let backend: RecordingBackend;
let repo: BackupRepository;
let dataDir: string;

/** A fake snapshot directory tree: ks/t-<id>/snapshots/<tag>/ with a 2i folder. */
function snapshot(tag: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dataDir, 'ks', 't-1234', 'snapshots', tag, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
  mkdirSync(join(dataDir, 'system_traces', 'events-1', 'snapshots', tag), { recursive: true });
  writeFileSync(join(dataDir, 'system_traces', 'events-1', 'snapshots', tag, 'nb-1-big-Data.db'), 'x');
}

async function backup(name: string, mode: 'full' | 'differential', files: Record<string, string>) {
  snapshot(name, files);
  const writer = await repo.startNodeBackup({
    fqdn,
    name,
    mode,
    schema: 'CREATE KEYSPACE ks;',
    tokenmap,
    serverVersion,
  });
  await writer.uploadTables(await snapshotTables(dataDir, name));
  return writer;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'repository-'));
  dataDir = join(dir, 'cassandra-data');
  const config = resolveConfig({
    provider: 'local',
    basePath: join(dir, 'storage'),
    bucket: 'bucket',
    prefix: 'pfx',
  });
  backend = new RecordingBackend(config);
  repo = new BackupRepository(new Storage(backend, config), { prefix: 'pfx' });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writing a node backup', () => {
  it("writes in Medusa's order: meta, index start, data, manifest, index end, latest pointer", async () => {
    const writer = await backup('b1', 'differential', {
      'nb-1-big-Data.db': 'data',
      'manifest.json': 'skipped',
      '.t_idx/nb-1-big-Data.db': 'index',
    });
    await writer.finish();
    const w = backend.writes;
    expect(w.slice(0, 8)).toEqual([
      'pfx/10.0.0.1/b1/meta/schema.cql',
      'pfx/10.0.0.1/b1/meta/tokenmap.json',
      'pfx/10.0.0.1/b1/meta/server_version.json',
      'pfx/10.0.0.1/b1/meta/differential',
      'pfx/index/backup_index/b1/tokenmap_10.0.0.1.json',
      'pfx/index/backup_index/b1/schema_10.0.0.1.cql',
      `pfx/index/backup_index/b1/started_10.0.0.1_${writer.started}.timestamp`,
      'pfx/index/backup_index/b1/differential_10.0.0.1',
    ]);
    expect(w.slice(8, 10).sort()).toEqual([
      'pfx/10.0.0.1/data/ks/t-1234/.t_idx/nb-1-big-Data.db',
      'pfx/10.0.0.1/data/ks/t-1234/nb-1-big-Data.db',
    ]);
    expect(w[10]).toBe('pfx/10.0.0.1/b1/meta/manifest.json');
    expect(w[11]).toBe('pfx/index/backup_index/b1/manifest_10.0.0.1.json');
    expect(w[12]).toMatch(/^pfx\/index\/backup_index\/b1\/finished_10\.0\.0\.1_\d+\.timestamp$/);
    expect(w.slice(13)).toEqual([
      'pfx/index/latest_backup/10.0.0.1/tokenmap.json',
      'pfx/index/latest_backup/10.0.0.1/backup_name.txt',
    ]);
    const root = join(dir, 'storage', 'bucket', 'pfx');
    // Index copies are byte-identical to the meta files.
    expect(readFileSync(join(root, 'index/backup_index/b1/manifest_10.0.0.1.json'), 'utf8')).toBe(
      readFileSync(join(root, '10.0.0.1/b1/meta/manifest.json'), 'utf8'),
    );
    expect(readFileSync(join(root, 'index/latest_backup/10.0.0.1/backup_name.txt'), 'utf8')).toBe('b1');
    expect(await repo.latestBackupName(fqdn)).toBe('b1');
  });

  it('shows a started backup as incomplete until its manifest is written', async () => {
    const writer = await backup('b1', 'full', { 'nb-1-big-Data.db': 'data' });
    let [cluster] = await repo.listClusterBackups();
    expect(cluster).toMatchObject({
      name: 'b1',
      complete: false,
      incompleteNodes: [fqdn],
      backupType: 'full',
    });
    await writer.finish();
    [cluster] = await repo.listClusterBackups();
    expect(cluster).toMatchObject({ complete: true, completedNodes: [fqdn] });
    expect(await repo.clusterBackupTotals(cluster!)).toEqual({ size: 4, objects: 1 });
    expect(cluster?.finished).toBeGreaterThanOrEqual(cluster!.started);
  });

  it('keeps full backup data in its own folder and lists every file, system_traces excluded', async () => {
    await (await backup('b1', 'full', { 'nb-1-big-Data.db': 'data', 'nb-1-big-TOC.txt': '' })).finish();
    const manifest = await repo.readManifest(fqdn, 'b1');
    expect(manifest).toEqual([
      {
        keyspace: 'ks',
        columnfamily: 't-1234',
        objects: expect.arrayContaining([
          {
            path: 'pfx/10.0.0.1/b1/data/ks/t-1234/nb-1-big-Data.db',
            MD5: '8d777f385d3dfec8815d20f7496026dc',
            size: 4,
          },
          {
            path: 'pfx/10.0.0.1/b1/data/ks/t-1234/nb-1-big-TOC.txt',
            MD5: 'd41d8cd98f00b204e9800998ecf8427e',
            size: 0,
          },
        ]),
      },
    ]);
    expect(await repo.verifyNodeBackup(fqdn, 'b1')).toEqual([]);
  });

  it('reuses unchanged pool files in differential mode and uploads the rest', async () => {
    await (await backup('b1', 'differential', { 'nb-1-big-Data.db': 'one' })).finish();
    const second = await backup('b2', 'differential', {
      'nb-1-big-Data.db': 'one',
      'nb-2-big-Data.db': 'two',
    });
    await second.finish();
    expect(second.summary).toMatchObject({ uploaded: 1, reused: 1 });
    const objects = (await repo.readManifest(fqdn, 'b2'))[0]!.objects;
    // New uploads first, then reused entries (null hash from the local listing), as Medusa orders them.
    expect(objects).toEqual([
      { path: 'pfx/10.0.0.1/data/ks/t-1234/nb-2-big-Data.db', MD5: expect.any(String), size: 3 },
      { path: 'pfx/10.0.0.1/data/ks/t-1234/nb-1-big-Data.db', MD5: null, size: 3 },
    ]);
  });

  it('refuses existing names, names that prefix-collide, and names Medusa would misread', async () => {
    await (await backup('b1', 'full', { 'nb-1-big-Data.db': 'x' })).finish();
    const start = (name: string) =>
      repo.startNodeBackup({ fqdn, name, mode: 'full', schema: '', tokenmap, serverVersion });
    await expect(start('b1')).rejects.toThrow(/already exists/);
    await expect(start('b10')).rejects.toThrow(/share a prefix/);
    await expect(start('differential-2')).rejects.toThrow(/differential/);
    await expect(start('../b')).rejects.toThrow();
  });
});

describe('reading, verifying and deleting', () => {
  it('downloads files into <ks>/<table>/[<.index>/] and checks sizes and MD5s', async () => {
    await (
      await backup('b1', 'full', { 'nb-1-big-Data.db': 'data', '.t_idx/nb-1-big-Data.db': 'idx' })
    ).finish();
    const target = join(dir, 'download');
    await repo.downloadNodeBackup(fqdn, 'b1', target);
    expect(readFileSync(join(target, 'ks/t-1234/nb-1-big-Data.db'), 'utf8')).toBe('data');
    expect(readFileSync(join(target, 'ks/t-1234/.t_idx/nb-1-big-Data.db'), 'utf8')).toBe('idx');
    expect(readFileSync(join(target, 'tokenmap.json'), 'utf8')).toContain('-9223372036854775808');

    // Same size, different bytes: the manifest MD5 catches it as the bytes stream.
    writeFileSync(join(dir, 'storage/bucket/pfx/10.0.0.1/b1/data/ks/t-1234/nb-1-big-Data.db'), 'DATA');
    await expect(repo.downloadNodeBackup(fqdn, 'b1', join(dir, 'again'))).rejects.toThrow(
      /nb-1-big-Data.db: checksum does not match the manifest/,
    );
  });

  it('verify reports missing, different and unexpected objects', async () => {
    await (await backup('b1', 'full', { 'nb-1-big-Data.db': 'data', 'nb-1-big-Index.db': 'index' })).finish();
    const data = join(dir, 'storage/bucket/pfx/10.0.0.1/b1/data/ks/t-1234');
    rmSync(join(data, 'nb-1-big-Index.db'));
    writeFileSync(join(data, 'nb-1-big-Data.db'), 'longer data');
    writeFileSync(join(data, 'stray-Data.db'), 'x');
    expect(await repo.verifyNodeBackup(fqdn, 'b1')).toEqual([
      { path: 'pfx/10.0.0.1/b1/data/ks/t-1234/nb-1-big-Data.db', problem: 'Blob different' },
      { path: 'pfx/10.0.0.1/b1/data/ks/t-1234/nb-1-big-Index.db', problem: "Doesn't exists" },
      { path: 'pfx/10.0.0.1/b1/data/ks/t-1234/stray-Data.db', problem: 'Not in manifest' },
    ]);
  });

  it('deletes exactly one node backup, not a backup or node sharing its prefix', async () => {
    await (await backup('b1', 'full', { 'nb-1-big-Data.db': 'x' })).finish();
    // Another node whose name starts with this fqdn, as in Medusa issue #485.
    const other = '10.0.0.10';
    const otherMap = parseTokenMap(`{"${other}": {"tokens": [1], "is_up": true}}`);
    const w = await repo.startNodeBackup({
      fqdn: other,
      name: 'b1',
      mode: 'full',
      schema: '',
      tokenmap: otherMap,
      serverVersion,
    });
    await w.finish();
    await repo.deleteNodeBackup(fqdn, 'b1');
    const nodes = await repo.listNodeBackups();
    expect(nodes.map((n) => `${n.name}@${n.fqdn}`)).toEqual(['b1@10.0.0.10']);
    expect(await repo.latestBackupName(fqdn)).toBeUndefined();
    expect(await repo.storage.list('pfx/10.0.0.1/')).toEqual([]);
  });

  it('purges only unreferenced pool files older than the grace period', async () => {
    await (await backup('b1', 'differential', { 'nb-1-big-Data.db': 'one' })).finish();
    // An unfinished differential backup's upload: protected only by the grace period, like Medusa.
    const running = await backup('b2', 'differential', { 'nb-2-big-Data.db': 'two' });
    const young = await repo.purgeOrphans(fqdn, { graceDays: 10 });
    expect(young.deleted).toEqual([]);
    expect(young.spared.map((o) => o.key)).toEqual(['pfx/10.0.0.1/data/ks/t-1234/nb-2-big-Data.db']);
    await running.finish();
    const later = await repo.purgeOrphans(fqdn, {
      graceDays: 10,
      now: new Date(Date.now() + 11 * 86_400_000),
    });
    expect(later.deleted).toEqual([]);
    await repo.deleteNodeBackup(fqdn, 'b2');
    const after = await repo.purgeOrphans(fqdn, {
      graceDays: 10,
      now: new Date(Date.now() + 11 * 86_400_000),
    });
    expect(after.deleted.map((o) => o.key)).toEqual(['pfx/10.0.0.1/data/ks/t-1234/nb-2-big-Data.db']);
    expect(await repo.verifyNodeBackup(fqdn, 'b1')).toEqual([]);
  });
});

describe('rebuilding the index', () => {
  it('restores the index entries of finished backups from their meta folders', async () => {
    await (await backup('b1', 'full', { 'nb-1-big-Data.db': 'x' })).finish();
    await (await backup('b2', 'differential', { 'nb-1-big-Data.db': 'x' })).finish();
    await backup('b3', 'full', { 'nb-2-big-Data.db': 'unfinished' });
    const before = await repo.listNodeBackups();
    const index = await repo.storage.list('pfx/index/');
    await repo.storage.deleteMany(index.map((o) => o.key));
    expect(await repo.listNodeBackups()).toEqual([]);

    const added = await repo.rebuildIndex([fqdn]);
    expect(added.map((a) => a.name).sort()).toEqual(['b1', 'b2']);
    const after = await repo.listNodeBackups();
    expect(after).toEqual(before.filter((n) => n.name !== 'b3'));
    expect(after.find((n) => n.name === 'b2')?.differential).toBe(true);
    expect(await repo.latestBackupName(fqdn)).toMatch(/^b[12]$/);
    // Nothing to add the second time.
    expect(await repo.rebuildIndex([fqdn])).toEqual([]);
  });
});

describe('upload integrity', () => {
  it('refuses an upload whose stored hash is not the MD5 of the bytes sent', async () => {
    class CorruptingBackend extends LocalBackend {
      override async putStream(key: string, source: Readable, size: number): Promise<ObjectInfo> {
        const info = await super.putStream(key, source, size);
        return { ...info, hash: 'ffffffffffffffffffffffffffffffff' };
      }
    }
    const config = resolveConfig({
      provider: 'local',
      basePath: join(dir, 'corrupt'),
      bucket: 'b',
      retryAttempts: 1,
    });
    const storage = new Storage(new CorruptingBackend(config), config);
    const file = join(dir, 'payload');
    writeFileSync(file, 'payload');
    await expect(storage.uploadFile('k', file)).rejects.toThrow(/does not match the MD5/);
    const honest = new Storage(new LocalBackend(config), config);
    expect((await honest.uploadFile('k', file)).hash).toBe('321c3cf486ed509164edec1e1981fec8');
  });
});
