import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { serializeManifest, type ManifestSection } from '../../lib/storage/repository/manifest.js';
import { MedusaLayout } from '../backup/layout.js';
import { Catalog } from '../catalog/catalog.js';
import { LocalObjectStore } from '../storage/local-store.js';
import { verifyBackup } from '../verify/verify.js';
import {
  assertInside,
  planRestore,
  restoreNode,
  RestoreRefused,
  type RestoreNodeOptions,
} from './restore-node.js';

// restore-node and verify on a real directory tree and Medusa's `local` storage: what reaches the
// data directory, and what a tampered or damaged backup is refused with.

const fqdn = 'node1';
const layout = new MedusaLayout('pfx');
const table = 'rows-0123456789abcdef0123456789abcdef';
const quiet = createLogger('test', { level: 'error' });
let dir: string;
let store: LocalObjectStore;
let dataDir: string;
let victim: string;

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** A node backup as Medusa writes it: data objects, meta files, index entries. */
async function writeBackup(
  name: string,
  mode: 'full' | 'differential',
  files: Record<string, Buffer>,
  started: number,
  options: { reuse?: string[]; manifest?: (sections: ManifestSection[]) => unknown } = {},
): Promise<string[]> {
  const root = layout.dataRoot(fqdn, name, mode === 'differential');
  const objects = [];
  for (const [file, data] of Object.entries(files)) {
    const key = `${root}/ks/${table}/${file}`;
    const reused = options.reuse?.includes(file);
    if (!reused) await store.putBytes(key, data);
    // Medusa on local storage: MD5 of what it uploaded, null for what a differential backup reused.
    objects.push({ path: key, MD5: reused ? null : md5(data), size: data.length });
  }
  const sections: ManifestSection[] = [{ keyspace: 'ks', columnfamily: table, objects }];
  const manifest = options.manifest
    ? JSON.stringify(options.manifest(sections))
    : serializeManifest(sections);
  const tokenmap = JSON.stringify({ [fqdn]: { tokens: [-9], is_up: true, rack: 'r1', dc: 'dc1' } });
  await store.putBytes(layout.meta(fqdn, name, 'schema.cql'), 'CREATE KEYSPACE ks;');
  await store.putBytes(layout.meta(fqdn, name, 'tokenmap.json'), tokenmap);
  await store.putBytes(layout.meta(fqdn, name, 'manifest.json'), manifest);
  await store.putBytes(layout.index(name, `tokenmap_${fqdn}.json`), tokenmap);
  await store.putBytes(layout.index(name, `started_${fqdn}_${started}.timestamp`), String(started));
  await store.putBytes(layout.index(name, `finished_${fqdn}_${started + 1}.timestamp`), String(started + 1));
  if (mode === 'differential')
    await store.putBytes(layout.index(name, `differential_${fqdn}`), 'differential');
  return objects.map((o) => o.path);
}

function options(backupName: string, extra: Partial<RestoreNodeOptions> = {}): RestoreNodeOptions {
  return {
    backupName,
    fqdn,
    prefix: 'pfx',
    store,
    dataDirectory: dataDir,
    commitlogDirectory: join(dir, 'node', 'commitlog'),
    inPlace: true,
    logger: quiet,
    ...extra,
  };
}

/** Every file below a directory with its MD5: equal before and after means nothing was touched. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else out[relative(root, child)] = md5(readFileSync(child));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** Flips 16 bytes in the middle of a stored object, keeping its size. */
function corrupt(key: string): void {
  const path = join(store.root, key);
  const data = readFileSync(path);
  const at = Math.floor(data.length / 2);
  for (let i = at; i < at + 16; i++) data[i] = data[i]! ^ 0xa5;
  writeFileSync(path, data);
  expect(statSync(path).size).toBe(data.length);
}

const files = () => ({
  'nb-1-big-Data.db': randomBytes(40_000),
  'nb-1-big-TOC.txt': Buffer.from('Data.db\n'),
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'restore-node-'));
  store = new LocalObjectStore(join(dir, 'storage'), 'bucket');
  dataDir = join(dir, 'node', 'data');
  victim = join(dir, 'victim');
  mkdirSync(join(dataDir, 'ks', table), { recursive: true });
  writeFileSync(join(dataDir, 'ks', table, 'nb-9-big-Data.db'), 'current data');
  mkdirSync(join(victim, 'dir'), { recursive: true });
  writeFileSync(join(victim, 'dir', 'precious'), 'keep me');
  mkdirSync(join(dir, 'node', 'commitlog'), { recursive: true });
  writeFileSync(join(dir, 'node', 'commitlog', 'CommitLog-7-1.log'), 'log');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('restore-node verifies every object while it streams', () => {
  it('restores a differential backup whose reused entries have no MD5, checked against the backup that uploaded them', async () => {
    const data = files();
    await writeBackup('d1', 'differential', data, 100);
    await writeBackup('d2', 'differential', data, 200, { reuse: Object.keys(data) });
    const plan = await planRestore(options('d2'));
    expect(plan.sizeOnly).toEqual([]);
    expect(plan.staged.map((s) => s.expected.hash)).toEqual(Object.values(data).map(md5));
    const result = await restoreNode(options('d2'), plan);
    expect(result).toMatchObject({ files: 2, filesDownloaded: 2 });
    expect(
      readFileSync(join(dataDir, 'ks', table, 'nb-1-big-Data.db')).equals(data['nb-1-big-Data.db']),
    ).toBe(true);
    expect(existsSync(join(dir, 'node', 'commitlog', 'CommitLog-7-1.log'))).toBe(false);
  });

  it.each([
    ['a full backup', 'full' as const],
    ['a differential backup (reused pool entry, MD5 null)', 'differential' as const],
  ])(
    'refuses 16 flipped bytes in %s before touching the node, and verify names the file',
    async (_what, mode) => {
      const data = files();
      const first = await writeBackup('b1', mode, data, 100);
      if (mode === 'differential') await writeBackup('b2', mode, data, 200, { reuse: Object.keys(data) });
      const name = mode === 'full' ? 'b1' : 'b2';
      corrupt(first[0]!);
      const before = tree(join(dir, 'node'));
      const refused = restoreNode(options(name));
      await expect(refused).rejects.toBeInstanceOf(RestoreRefused);
      await expect(restoreNode(options(name))).rejects.toThrow(
        new RegExp(
          `^${first[0]}: checksum does not match the manifest: [0-9a-f]{32} where the backup recorded ${md5(data['nb-1-big-Data.db'])}$`,
        ),
      );
      expect(tree(join(dir, 'node'))).toEqual(before);
      // The staging area never holds the bad file under its name.
      expect(Object.keys(tree(join(dir, 'node', `medusa-restore-${name}`)))).not.toContain(
        `ks/${table}/nb-1-big-Data.db`,
      );

      const verified = await verifyBackup(new Catalog(store, 'pfx'), name, true, { partSize: 8 * 1024 ** 2 });
      expect(verified.ok).toBe(false);
      expect(verified.errors).toEqual([
        expect.stringMatching(new RegExp(`^${first[0]}: content differs: checksum`)),
      ]);
      // Without md5 checks only sizes are compared, as in Medusa.
      expect((await verifyBackup(new Catalog(store, 'pfx'), name, false)).ok).toBe(true);
    },
  );

  it('names a deleted object before anything is downloaded; verify names it too', async () => {
    const keys = await writeBackup('f1', 'full', files(), 100);
    await store.delete(keys[1]!);
    const before = tree(join(dir, 'node'));
    await expect(planRestore(options('f1'))).rejects.toThrow(
      `pfx/node1/f1/meta/manifest.json: 1 objects are missing from storage: ${keys[1]}`,
    );
    expect(tree(join(dir, 'node'))).toEqual(before);
    const verified = await verifyBackup(new Catalog(store, 'pfx'), 'f1', true);
    expect(verified.errors).toEqual([`${keys[1]}: missing from storage`]);
  });

  it('without any recorded checksum: restores by size and warns, or refuses when strict', async () => {
    const data = files();
    await writeBackup('d1', 'differential', data, 100);
    await writeBackup('d2', 'differential', data, 200, { reuse: Object.keys(data) });
    await store.delete(layout.meta(fqdn, 'd1', 'manifest.json')); // the uploading backup is gone
    await expect(planRestore(options('d2', { requireChecksums: true }))).rejects.toThrow(
      /no backup of node1 recorded a usable checksum for 2 objects, so their content cannot be verified \(strict checks are on\)/,
    );
    expect((await planRestore(options('d2'))).sizeOnly).toHaveLength(2);
    const verified = await verifyBackup(new Catalog(store, 'pfx'), 'd2', true);
    expect(verified.ok).toBe(true);
    expect(verified.warnings).toHaveLength(2);
    expect(verified.warnings[0]).toMatch(/no backup recorded a usable checksum, only its size was checked$/);
  });
});

describe('restore-node on a tampered manifest', () => {
  const tampered: [string, (sections: ManifestSection[]) => unknown, RegExp][] = [
    [
      'a keyspace climbing to a victim directory',
      () => [{ keyspace: '../../victim', columnfamily: 'dir', objects: [] }],
      /keyspace "\.\.\/\.\.\/victim" is not a Cassandra keyspace name/,
    ],
    [
      'a table directory ".."',
      () => [{ keyspace: 'ks', columnfamily: '..', objects: [] }],
      /columnfamily "\.\."/,
    ],
    [
      'an object key with ../',
      (s) => [
        {
          ...s[0],
          objects: [{ ...s[0]!.objects[0]!, path: `pfx/node1/t/data/ks/${table}/../../../../victim/x` }],
        },
      ],
      /segment/,
    ],
    ['a null section', (s) => [...s, null], /section 2: is null/],
    [
      'a huge size',
      (s) => [{ ...s[0], objects: [{ ...s[0]!.objects[0]!, size: 2 ** 50 }] }],
      /is not a byte count/,
    ],
  ];

  it.each(tampered)('refuses %s, naming manifest.json, and touches nothing', async (_what, edit, message) => {
    await writeBackup('t', 'full', files(), 100, { manifest: edit });
    const before = { node: tree(join(dir, 'node')), victim: tree(victim) };
    const refused = restoreNode(options('t'));
    await expect(refused).rejects.toThrow(message);
    await expect(restoreNode(options('t'))).rejects.toThrow(/^pfx\/node1\/t\/meta\/manifest\.json: /);
    expect({ node: tree(join(dir, 'node')), victim: tree(victim) }).toEqual(before);
    expect(readFileSync(join(victim, 'dir', 'precious'), 'utf8')).toBe('keep me');
    const verified = await verifyBackup(new Catalog(store, 'pfx'), 't', false);
    expect(verified.errors).toEqual([expect.stringMatching(message)]);
  });

  it('asserts every path it creates or removes stays inside its root (the wall behind validation)', () => {
    expect(assertInside(dataDir, join(dataDir, 'ks', table), 'table directory')).toBe(
      join(dataDir, 'ks', table),
    );
    expect(() => assertInside(dataDir, join(dataDir, 'ks', '..'), 'table directory')).not.toThrow();
    expect(() =>
      assertInside(dataDir, join(dataDir, '..', '..', 'victim', 'dir'), 'table directory'),
    ).toThrow(`table directory ${join(victim, 'dir')} is outside ${dataDir}: refusing to touch it`);
    expect(() => assertInside(dataDir, join(dataDir, '..'), 'keyspace directory')).toThrow(RestoreRefused);
    expect(() => assertInside(dataDir, `${dataDir}-other/x`, 'staged file')).toThrow(/is outside/);
  });
});
