// The node backup as storage holds it, checked before a restore plans anything on the node.
import { MedusaLayout } from '../backup/layout.js';
import { parseTokenMap } from '../backup/medusa-json.js';
import { selected, tableNameOf, type TableFilter } from '../backup/snapshot-files.js';
import type { TokenMap } from '../cassandra/cql.js';
import { Catalog } from '../catalog/catalog.js';
import type { ExpectedContent } from '../../lib/storage/hashing.js';
import { parseManifest, type ManifestSection } from '../../lib/storage/repository/manifest.js';
import type { ObjectStore, StoredObject } from '../storage/object-store.js';
import { mapLimited } from '../util/limit.js';
import { recordedChecksums } from '../verify/recorded-checksums.js';
import { listNames, RestoreRefused } from './refused.js';

/** Keyspaces Medusa always restores, whatever the keyspace/table filter says. */
export const alwaysRestored = new Set(['system', 'system_schema', 'system_auth', 'system_distributed']);

/** Sections kept by Medusa's filter (medusa/filtering.py): the selection plus the system keyspaces. */
export function sectionsToRestore(
  sections: readonly ManifestSection[],
  filter: TableFilter = {},
): ManifestSection[] {
  if (!filter.include?.length && !filter.exclude?.length) return [...sections];
  return sections.filter(
    (s) => alwaysRestored.has(s.keyspace) || selected(filter, s.keyspace, tableNameOf(s.columnfamily)),
  );
}

/** Storage's view of the objects: one listing per data root the keys share, a HEAD for the odd one. */
async function storedObjects(
  store: ObjectStore,
  sections: readonly ManifestSection[],
): Promise<Map<string, StoredObject | undefined>> {
  const keys = sections.flatMap((section) =>
    section.objects.map((object) => ({
      key: object.path,
      root: object.path.slice(
        0,
        object.path.lastIndexOf(`/${section.keyspace}/${section.columnfamily}/`) + 1,
      ),
    })),
  );
  const roots = [...new Set(keys.map((k) => k.root))];
  const found = new Map<string, StoredObject | undefined>();
  if (roots.length <= 4) {
    for (const root of roots) for (const object of await store.list(root)) found.set(object.key, object);
  }
  await mapLimited(
    keys.filter((k) => !found.has(k.key)),
    8,
    async (k) => void found.set(k.key, await store.head(k.key)),
  );
  return found;
}

/** What restore-cluster can check of one node backup from any node: only storage is read. */
export interface StoredBackupQuery {
  store: ObjectStore;
  prefix?: string;
  backupName: string;
  fqdn: string;
  filter?: TableFilter;
  verifyChecksums?: boolean;
  requireChecksums?: boolean;
  multipartChunksize?: number;
}

export interface StoredBackup {
  manifestKey: string;
  /** The sections the filter keeps. */
  sections: ManifestSection[];
  tokenMap: TokenMap;
  /** Expected content of every object of those sections, by key. */
  expected: Map<string, ExpectedContent>;
  /** Objects whose bytes can only be checked by size (no usable checksum recorded anywhere). */
  sizeOnly: string[];
}

/**
 * The node backup as storage holds it, checked: its meta files exist, the manifest validates, every
 * object of the kept sections is in storage with its size, and (when strict) has a checksum to be
 * checked against. Throws RestoreRefused.
 */
export async function inspectStoredBackup(query: StoredBackupQuery): Promise<StoredBackup> {
  const { store, backupName, fqdn } = query;
  const layout = new MedusaLayout(query.prefix);
  if (!(await store.head(layout.meta(fqdn, backupName, 'schema.cql')))) {
    throw new RestoreRefused(`backup ${backupName} has no node backup for ${fqdn}`);
  }
  const manifestKey = layout.meta(fqdn, backupName, 'manifest.json');
  if (!(await store.head(manifestKey))) {
    throw new RestoreRefused(
      `the node backup ${backupName} of ${fqdn} is incomplete (no manifest.json): refusing to restore it`,
    );
  }
  const manifest = parseManifest((await store.readBytes(manifestKey)).toString('utf8'), manifestKey);
  const sections = sectionsToRestore(manifest, query.filter);
  const tokenKey = layout.meta(fqdn, backupName, 'tokenmap.json');
  let tokenMap: TokenMap;
  try {
    tokenMap = parseTokenMap((await store.readBytes(tokenKey)).toString('utf8'));
  } catch (error) {
    throw new RestoreRefused(`${tokenKey}: ${(error as Error).message}`);
  }
  const verify = query.verifyChecksums ?? true;
  const partSize = query.multipartChunksize ?? 50 * 1024 ** 2;
  const checksums = verify
    ? await recordedChecksums(
        new Catalog(store, query.prefix),
        { name: backupName, fqdn },
        manifest,
        partSize,
      )
    : undefined;
  const objects = sections.flatMap((section) => section.objects);
  const expected = new Map(
    objects.map((o) => [o.path, { size: o.size, hash: checksums?.get(o.path)?.hash ?? null, partSize }]),
  );
  const stored = await storedObjects(store, sections);
  const absent = objects.filter((o) => !stored.get(o.path)).map((o) => o.path);
  if (absent.length)
    throw new RestoreRefused(
      `${manifestKey}: ${absent.length} objects are missing from storage: ${listNames(absent)}`,
    );
  const resized = objects
    .filter((o) => stored.get(o.path)!.size !== o.size)
    .map((o) => `${o.path} (${stored.get(o.path)!.size} bytes, the manifest says ${o.size})`);
  if (resized.length)
    throw new RestoreRefused(
      `${manifestKey}: ${resized.length} objects differ in size: ${listNames(resized, 5)}`,
    );
  const sizeOnly = verify
    ? objects.filter((o) => expected.get(o.path)!.hash === null).map((o) => o.path)
    : [];
  if (sizeOnly.length && query.requireChecksums)
    throw new RestoreRefused(
      `${manifestKey}: no backup of ${fqdn} recorded a usable checksum for ${sizeOnly.length} objects, ` +
        `so their content cannot be verified (strict checks are on): ${listNames(sizeOnly)}`,
    );
  return { manifestKey, sections, tokenMap, expected, sizeOnly };
}
