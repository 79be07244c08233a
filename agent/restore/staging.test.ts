import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { checkRestoreKey } from '../../lib/restore-contract.js';
import { serializeManifest } from '../../lib/storage/repository/manifest.js';
import { MedusaLayout } from '../backup/layout.js';
import { LocalObjectStore } from '../storage/local-store.js';
import { stageFiles } from './download.js';
import { planRestore, restoreNode, type RestoreNodeOptions } from './restore-node.js';
import { expireStagings, markPrepared, preparedDir, readPrepared, stagedFits } from './staging.js';

// A prepared restore on a real directory tree and Medusa's `local` storage: what a prepare stages and
// verifies, what the staged restore then moves (and does not download), and what expires.

const fqdn = 'node1';
const layout = new MedusaLayout('pfx');
const table = 'rows-0123456789abcdef0123456789abcdef';
const quiet = createLogger('test', { level: 'error' });
const key = '3f1c2a9e-5b7d-4e21-9c33-0d6f1e2a7b44';
let dir: string;
let volume: string;
let store: LocalObjectStore;
const data = { 'nb-1-big-Data.db': randomBytes(50_000), 'nb-1-big-TOC.txt': Buffer.from('Data.db\n') };
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const objectKey = (file: string) => `${layout.dataRoot(fqdn, 'b1', false)}/ks/${table}/${file}`;

async function writeBackup(): Promise<void> {
  const objects = [];
  for (const [file, bytes] of Object.entries(data)) {
    await store.putBytes(objectKey(file), bytes);
    objects.push({ path: objectKey(file), MD5: md5(bytes), size: bytes.length });
  }
  const tokenmap = JSON.stringify({ [fqdn]: { tokens: [-9], is_up: true, rack: 'r1', dc: 'dc1' } });
  await store.putBytes(layout.meta(fqdn, 'b1', 'schema.cql'), 'CREATE KEYSPACE ks;');
  await store.putBytes(layout.meta(fqdn, 'b1', 'tokenmap.json'), tokenmap);
  await store.putBytes(
    layout.meta(fqdn, 'b1', 'manifest.json'),
    serializeManifest([{ keyspace: 'ks', columnfamily: table, objects }]),
  );
  await store.putBytes(layout.index('b1', `tokenmap_${fqdn}.json`), tokenmap);
  await store.putBytes(layout.index('b1', `started_${fqdn}_100.timestamp`), '100');
  await store.putBytes(layout.index('b1', `finished_${fqdn}_101.timestamp`), '101');
}

const options = (extra: Partial<RestoreNodeOptions> = {}): RestoreNodeOptions => ({
  backupName: 'b1',
  fqdn,
  prefix: 'pfx',
  store,
  dataDirectory: join(volume, 'data'),
  commitlogDirectory: join(volume, 'commitlog'),
  stagingRoot: volume,
  inPlace: true,
  restoreKey: key,
  logger: quiet,
  ...extra,
});

/** What the sidecar's prepare does on the node: plan, stage and verify, then mark complete. */
async function prepare(): Promise<{ folder: string; downloaded: number }> {
  const folder = preparedDir(volume, key);
  const staging = options({ stagingDir: folder });
  const plan = await planRestore(staging);
  const downloaded = await stageFiles(staging, plan, quiet);
  await markPrepared(folder, {
    restoreKey: key,
    backup: 'b1',
    fqdn,
    inPlace: true,
    files: plan.staged.length,
    bytes: plan.bytes,
    preparedAt: new Date().toISOString(),
  });
  return { folder, downloaded };
}

/** Keeps the stored object's size, changes its bytes: a download of it would be refused. */
function tamperInStorage(file: string): void {
  const path = join(store.root, objectKey(file));
  const bytes = readFileSync(path);
  bytes[100] = bytes[100]! ^ 0xff;
  writeFileSync(path, bytes);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'staging-'));
  volume = join(dir, 'var-lib-cassandra');
  store = new LocalObjectStore(join(dir, 'storage'), 'bucket');
  mkdirSync(join(volume, 'data', 'ks', table), { recursive: true });
  writeFileSync(join(volume, 'data', 'ks', table, 'nb-9-big-Data.db'), 'rows written after the backup');
  mkdirSync(join(volume, 'commitlog'), { recursive: true });
  await writeBackup();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('restore keys name one folder', () => {
  it('accepts UUIDs and refuses what could leave the staging root', () => {
    expect(checkRestoreKey(key)).toBe(key);
    for (const bad of ['', '..', '../x', 'a/b', '.hidden', 'a..b', 'x'.repeat(129), 'a b', 'a\\b'])
      expect(() => checkRestoreKey(bad), bad).toThrow(/cannot name a staging folder/);
    expect(() => preparedDir(volume, '../../etc')).toThrow(/cannot name a staging folder/);
  });
});

describe('a prepared restore', () => {
  it('stages the verified backup beside the data directory, and a second prepare downloads nothing', async () => {
    const { folder, downloaded } = await prepare();
    expect(folder).toBe(join(volume, `medusa-prepared-${key}`));
    expect(downloaded).toBe(2);
    expect(readFileSync(join(folder, 'ks', table, 'nb-1-big-Data.db'))).toEqual(data['nb-1-big-Data.db']);
    // Cassandra's data directory is untouched by a prepare.
    expect(readFileSync(join(volume, 'data', 'ks', table, 'nb-9-big-Data.db'), 'utf8')).toBe(
      'rows written after the backup',
    );
    const again = await planRestore(options({ stagingDir: folder }));
    expect(again.stagedBytes).toBe(again.bytes);
    expect(await stageFiles(options({ stagingDir: folder }), again, quiet)).toBe(0);
  });

  it('is moved into place without a download, and its folder is gone afterwards', async () => {
    const { folder } = await prepare();
    const stagedInode = statSync(join(folder, 'ks', table, 'nb-1-big-Data.db')).ino;
    // Storage changed behind the prepare: a download would now be refused by its checksum.
    tamperInStorage('nb-1-big-Data.db');
    const result = await restoreNode(options({ stagingDir: folder, trustStaged: true }));
    expect(result.filesDownloaded).toBe(0);
    expect(result.files).toBe(2);
    expect(readFileSync(join(volume, 'data', 'ks', table, 'nb-1-big-Data.db'))).toEqual(
      data['nb-1-big-Data.db'],
    );
    // Moved (a rename on the same filesystem), not copied.
    expect(statSync(join(volume, 'data', 'ks', table, 'nb-1-big-Data.db')).ino).toBe(stagedInode);
    expect(existsSync(join(volume, 'data', 'ks', table, 'nb-9-big-Data.db'))).toBe(false);
    expect(existsSync(folder)).toBe(false);
    expect(readFileSync(join(volume, '.last-restore'), 'utf8')).toBe(key);
  });

  it('downloads (and verifies) a staged file that changed size after the prepare', async () => {
    const { folder } = await prepare();
    writeFileSync(join(folder, 'ks', table, 'nb-1-big-TOC.txt'), 'truncated');
    const result = await restoreNode(options({ stagingDir: folder, trustStaged: true }));
    expect(result.filesDownloaded).toBe(1);
    expect(readFileSync(join(volume, 'data', 'ks', table, 'nb-1-big-TOC.txt'), 'utf8')).toBe('Data.db\n');
  });

  it('fits only the restore it was prepared for', async () => {
    const { folder } = await prepare();
    const marker = await readPrepared(folder);
    const want = { backup: 'b1', fqdn, inPlace: true };
    expect(stagedFits(marker, want)).toBe(true);
    expect(stagedFits(marker, { ...want, backup: 'b2' })).toBe(false);
    expect(stagedFits(marker, { ...want, fqdn: 'node2' })).toBe(false);
    expect(stagedFits(marker, { ...want, inPlace: false })).toBe(false);
    expect(stagedFits(marker, { ...want, filter: { include: ['ks'] } })).toBe(false);
    // An incomplete prepare (no marker) fits nothing.
    rmSync(join(folder, '.prepared.json'));
    expect(stagedFits(await readPrepared(folder), want)).toBe(false);
  });
});

describe('prepared stagings never used', () => {
  const day = 24 * 60 * 60 * 1000;
  const folder = (name: string, preparedAt?: Date) => {
    const path = join(volume, name);
    mkdirSync(join(path, 'ks'), { recursive: true });
    if (preparedAt) {
      const marker = { restoreKey: name, backup: 'b1', fqdn, inPlace: true, files: 1, bytes: 1 };
      writeFileSync(
        join(path, '.prepared.json'),
        JSON.stringify({ ...marker, preparedAt: preparedAt.toISOString() }),
      );
    }
    return path;
  };

  it('are removed after the stated time, or at once when their restore ended; the rest is left alone', async () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const old = folder('medusa-prepared-old', new Date(now.getTime() - day - 60_000));
    const fresh = folder('medusa-prepared-fresh', new Date(now.getTime() - day + 60_000));
    const inUse = folder('medusa-prepared-inuse', new Date(now.getTime() - 3 * day));
    const ended = folder('medusa-prepared-ended', new Date(now.getTime() - 60_000));
    const partial = folder('medusa-prepared-partial');
    utimesSync(partial, new Date(now.getTime() - 2 * day), new Date(now.getTime() - 2 * day));
    const other = folder('medusa-restore-b1', new Date(now.getTime() - 3 * day));
    // A link with the prefix is not followed: what it points to stays.
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'keep');
    symlinkSync(outside, join(volume, 'medusa-prepared-link'));

    const removed = await expireStagings(volume, {
      keep: new Set(['inuse']),
      ended: new Set(['ended']),
      now,
    });
    expect(removed.sort()).toEqual([
      'medusa-prepared-ended',
      'medusa-prepared-old',
      'medusa-prepared-partial',
    ]);
    for (const gone of [old, ended, partial]) expect(existsSync(gone)).toBe(false);
    for (const kept of [fresh, inUse, other]) expect(existsSync(kept)).toBe(true);
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep');
  });
});
