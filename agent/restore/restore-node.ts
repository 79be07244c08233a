import { chown, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { createLogger, type Logger } from '../../lib/log.js';
import { portAnswers } from '../../lib/tcp-port.js';
import { ensureFreeSpace } from '../backup/free-space.js';
import { MedusaLayout } from '../backup/layout.js';
import { parseTokenMap } from '../backup/medusa-json.js';
import { incrementsOf } from '../../lib/storage/transfer/counter.js';
import { ProgressTracker, type Progress } from '../backup/progress.js';
import { selected, tableNameOf, type TableFilter } from '../backup/snapshot-files.js';
import { withTokenSettings } from '../cassandra/cassandra-yaml.js';
import type { TokenMap } from '../cassandra/cql.js';
import { Catalog } from '../catalog/catalog.js';
import { compareContent, fileDigests, type ExpectedContent } from '../../lib/storage/hashing.js';
import {
  parseManifest,
  pathInTable,
  type ManifestObject,
  type ManifestSection,
} from '../../lib/storage/repository/manifest.js';
import type { ObjectStore, StoredObject } from '../storage/object-store.js';
import { mapLimited } from '../util/limit.js';
import { recordedChecksums } from '../verify/recorded-checksums.js';

/** Keyspaces Medusa always restores, whatever the keyspace/table filter says. */
const alwaysRestored = new Set(['system', 'system_schema', 'system_auth', 'system_distributed']);
/** Left alone when restoring into the current schema. */
const systemKeyspaces = new Set([...alwaysRestored, 'system_traces']);

export interface RestoreNodeOptions {
  backupName: string;
  /** The node identity in the backup to restore from (this node's for an in-place restore). */
  fqdn: string;
  prefix?: string;
  store: ObjectStore;
  dataDirectory: string;
  commitlogDirectory: string;
  /** cassandra.yaml to receive initial_token/num_tokens/auto_bootstrap for a restore into another cluster. */
  cassandraYamlPath?: string;
  /** false = restore into another cluster (Medusa's --remote): token settings written, system.local and peers not restored. */
  inPlace: boolean;
  /** Leave system_auth as it is on this node (remote restores only, as in Medusa). */
  keepAuth?: boolean;
  filter?: TableFilter;
  /** Where the download is staged: a directory on the data volume (default: the data directory's parent). */
  stagingRoot?: string;
  /**
   * Check every object's bytes while it downloads against the checksum the backup recorded (its
   * manifest's, or for a reused pool entry without one the manifest of the backup that uploaded
   * it); default true. Sizes are always checked.
   */
  verifyChecksums?: boolean;
  /** Strict: refuse the restore when an object has no usable checksum anywhere ([checks] enable_md5_checks). */
  requireChecksums?: boolean;
  multipartChunksize?: number;
  concurrency?: number;
  /**
   * Restore table data into the schema the node has now, instead of restoring its schema: ids of the
   * current tables by `keyspace.table` (CqlSession.tableIds(), read before Cassandra stops). System
   * keyspaces are then left alone and each table's files go into the directory of its current id.
   */
  currentTableIds?: Map<string, string>;
  /** Idempotency: a restore with the key recorded in the marker file is skipped. */
  restoreKey?: string;
  /** Default: <data directory's parent>/.last-restore (what Medusa's k8s image uses). */
  markerPath?: string;
  /** Endpoints that must not answer (Cassandra stopped); default none checked. */
  mustBeStopped?: { host: string; port: number }[];
  logger?: Logger;
  onProgress?: (progress: Progress) => void;
}

export interface RestoreNodeResult {
  skipped: boolean;
  reason?: string;
  tables: number;
  files: number;
  bytes: number;
  filesDownloaded: number;
  tokens?: string[];
  durationMs: number;
}

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

/**
 * A restore that stopped before anything on the node was changed (data, commit log, cassandra.yaml):
 * bad manifest, missing or different objects, no space, Cassandra running, a failed download.
 */
export class RestoreRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RestoreRefused';
  }
}

/** The second wall behind manifest validation: every path a restore creates or removes stays inside its root. */
export function assertInside(root: string, path: string, what: string): string {
  const base = resolve(root);
  const target = resolve(path);
  if (target !== base && !target.startsWith(base + sep))
    throw new RestoreRefused(`${what} ${target} is outside ${base}: refusing to touch it`);
  return target;
}

interface StagedObject {
  section: ManifestSection;
  object: ManifestObject;
  stagedPath: string;
  expected: ExpectedContent;
}

/** Everything checked before Cassandra is stopped; restoreNode carries it out. */
export interface RestorePlan {
  /** Set when the restore key was already restored: nothing to do. */
  skipReason?: string;
  sections: ManifestSection[];
  staging: string;
  staged: StagedObject[];
  bytes: number;
  tokenMap: TokenMap;
  /** Objects whose bytes can only be checked by size (no usable checksum recorded anywhere). */
  sizeOnly: string[];
  /** The table directory to restore each section into, by `keyspace/columnfamily`. */
  destinations: Map<string, string>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  const entries = await readdir(path, { withFileTypes: true });
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid);
  }
}

const listNames = (names: readonly string[], max = 10): string =>
  names.slice(0, max).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');

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

/**
 * What restoreNode will do, checked while Cassandra may still run: the backup and its manifest
 * exist, the manifest validates, every object is in storage with its size, every object has a
 * checksum to be checked against (or the restore is not strict), the tables exist in the current
 * schema (when restoring into it), every path stays inside the data and staging directories, and the
 * staging filesystem has room. Throws RestoreRefused.
 */
export async function planRestore(options: RestoreNodeOptions): Promise<RestorePlan> {
  try {
    return await makePlan(options);
  } catch (error) {
    if (error instanceof RestoreRefused) throw error;
    throw new RestoreRefused((error as Error).message, { cause: error });
  }
}

/** What restore-cluster can check of one node backup from any node: only storage is read. */
export type StoredBackupQuery = Pick<
  RestoreNodeOptions,
  | 'store'
  | 'prefix'
  | 'backupName'
  | 'fqdn'
  | 'filter'
  | 'verifyChecksums'
  | 'requireChecksums'
  | 'multipartChunksize'
>;

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

async function makePlan(options: RestoreNodeOptions): Promise<RestorePlan> {
  const { backupName } = options;
  const volume = dirname(options.dataDirectory);
  const markerPath = options.markerPath ?? join(volume, '.last-restore');
  if (options.restoreKey) {
    const last = await readFile(markerPath, 'utf8').catch(() => undefined);
    if (last?.trim() === options.restoreKey) {
      const skipReason = `restore ${options.restoreKey} already done`;
      return {
        skipReason,
        sections: [],
        staging: '',
        staged: [],
        bytes: 0,
        tokenMap: {},
        sizeOnly: [],
        destinations: new Map(),
      };
    }
  }
  const backup = await inspectStoredBackup(options);
  let sections = backup.sections;
  const currentIds = options.currentTableIds;
  if (currentIds) {
    sections = sections.filter((s) => !systemKeyspaces.has(s.keyspace));
    const missing = sections
      .map((s) => `${s.keyspace}.${tableNameOf(s.columnfamily)}`)
      .filter((table) => !currentIds.has(table));
    if (missing.length) {
      throw new RestoreRefused(
        `these tables of the backup do not exist in the current schema: ${missing.join(', ')}`,
      );
    }
  }

  // Every directory the restore will replace, and every staged file, inside its root.
  const destinations = new Map<string, string>();
  for (const section of sections) {
    const table = `${section.keyspace}.${tableNameOf(section.columnfamily)}`;
    const directory = currentIds
      ? `${tableNameOf(section.columnfamily)}-${currentIds.get(table)}`
      : section.columnfamily;
    destinations.set(
      `${section.keyspace}/${section.columnfamily}`,
      assertInside(
        options.dataDirectory,
        join(options.dataDirectory, section.keyspace, directory),
        'table directory',
      ),
    );
  }
  const stagingRoot = resolve(options.stagingRoot ?? volume);
  const staging = assertInside(
    stagingRoot,
    join(stagingRoot, `medusa-restore-${backupName}`),
    'staging directory',
  );
  if (dirname(staging) !== stagingRoot)
    throw new RestoreRefused(`backup name '${backupName}' does not name one staging folder`);
  const restored = sections.filter((section) => !skipsTable(options, section));
  const staged: StagedObject[] = restored.flatMap((section) =>
    section.objects.map((object) => ({
      section,
      object,
      stagedPath: assertInside(
        staging,
        join(staging, section.keyspace, section.columnfamily, pathInTable(section, object)),
        'staged file',
      ),
      expected: backup.expected.get(object.path)!,
    })),
  );
  const kept = new Set(staged.map((s) => s.object.path));
  const sizeOnly = backup.sizeOnly.filter((path) => kept.has(path));
  const bytes = staged.reduce((sum, s) => sum + s.object.size, 0);
  await mkdir(staging, { recursive: true });
  await ensureFreeSpace(staging, bytes, `restoring ${backupName}`);
  return { sections, staging, staged, bytes, tokenMap: backup.tokenMap, sizeOnly, destinations };
}

/** Tables a restore into another cluster leaves as they are (this node's identity, or its auth). */
function skipsTable(options: RestoreNodeOptions, section: ManifestSection): boolean {
  return (
    (!options.inPlace &&
      ((section.keyspace === 'system' && section.columnfamily.startsWith('local-')) ||
        section.columnfamily.startsWith('peers'))) ||
    (!options.inPlace && Boolean(options.keepAuth) && section.keyspace === 'system_auth')
  );
}

/**
 * Restores one node's data from a backup the way cassandra-medusa's restore-node does, with the
 * download staged on the data volume and verified before anything on the node is touched:
 * plan (planRestore, unless given), download with every object hashed as it streams, empty the
 * commit log, replace each restored table directory, and for a restore into another cluster write
 * the backup's tokens into cassandra.yaml. Cassandra must be stopped. Anything that fails before the
 * node is changed throws RestoreRefused. With a restore key, a repeated run is a no-op.
 */
export async function restoreNode(
  options: RestoreNodeOptions,
  given?: RestorePlan,
): Promise<RestoreNodeResult> {
  const started = Date.now();
  const log = options.logger ?? createLogger('restore');
  const { backupName, fqdn } = options;
  const volume = dirname(options.dataDirectory);
  const markerPath = options.markerPath ?? join(volume, '.last-restore');
  const result = (partial: Partial<RestoreNodeResult>): RestoreNodeResult => ({
    skipped: false,
    tables: 0,
    files: 0,
    bytes: 0,
    filesDownloaded: 0,
    durationMs: Date.now() - started,
    ...partial,
  });

  const plan = given ?? (await planRestore(options));
  if (plan.skipReason) {
    log.info('restore already done, skipping', { restoreKey: options.restoreKey });
    return result({ skipped: true, reason: plan.skipReason });
  }
  let downloaded = 0;
  try {
    downloaded = await download(options, plan, log);
  } catch (error) {
    if (error instanceof RestoreRefused) throw error;
    throw new RestoreRefused((error as Error).message, { cause: error });
  }
  const { sections, staging, staged, bytes, tokenMap } = plan;

  // 2. Nothing on the node was touched so far. Now: commit log, then table directories.
  const owner = await stat(options.dataDirectory);
  for (const entry of await readdir(options.commitlogDirectory).catch(() => [] as string[])) {
    const path = assertInside(
      options.commitlogDirectory,
      join(options.commitlogDirectory, entry),
      'commit log file',
    );
    await rm(path, { recursive: true, force: true });
  }
  for (const section of sections) {
    const keyspaceDir = assertInside(
      options.dataDirectory,
      join(options.dataDirectory, section.keyspace),
      'keyspace directory',
    );
    const destination = plan.destinations.get(`${section.keyspace}/${section.columnfamily}`)!;
    assertInside(keyspaceDir, destination, 'table directory');
    if (options.keepAuth && !options.inPlace && section.keyspace === 'system_auth') continue;
    await rm(destination, { recursive: true, force: true });
    if (skipsTable(options, section)) continue;
    await mkdir(keyspaceDir, { recursive: true });
    const source = assertInside(
      staging,
      join(staging, section.keyspace, section.columnfamily),
      'staged table',
    );
    if (await exists(source)) await rename(source, destination);
    else await mkdir(destination, { recursive: true });
    // Cassandra must own what it reads: give the table to the data directory's owner (when we can).
    if (process.getuid?.() === 0 && (owner.uid !== 0 || owner.gid !== 0)) {
      await chownTree(destination, owner.uid, owner.gid);
      await chown(keyspaceDir, owner.uid, owner.gid);
    }
  }

  // 3. Into another cluster: this node takes the source node's tokens.
  let tokens: string[] | undefined;
  if (!options.inPlace) {
    tokens = tokenMap[fqdn]?.tokens;
    if (!tokens?.length) throw new Error(`the backup's tokenmap.json has no tokens for ${fqdn}`);
    if (!options.cassandraYamlPath)
      throw new Error('a restore into another cluster needs cassandra.yaml to set tokens');
    const yaml = await readFile(options.cassandraYamlPath, 'utf8');
    await writeFile(options.cassandraYamlPath, withTokenSettings(yaml, tokens));
  }

  await rm(staging, { recursive: true, force: true });
  if (options.restoreKey) await writeFile(markerPath, options.restoreKey);
  const summary = result({
    tables: sections.length,
    files: staged.length,
    bytes,
    filesDownloaded: downloaded,
    tokens,
  });
  log.info('restore finished', { backup: backupName, fqdn, ...summary });
  return summary;
}

/**
 * 1. Download into the staging directory, each object hashed as it streams and refused before it
 *    lands when it is not what the backup recorded. Files already staged with the right size and
 *    checksum (a restarted init container) are kept. Resolves with the number of files downloaded.
 */
async function download(options: RestoreNodeOptions, plan: RestorePlan, log: Logger): Promise<number> {
  const { store, backupName, fqdn } = options;
  if (!options.inPlace) {
    if (!plan.tokenMap[fqdn]?.tokens?.length)
      throw new RestoreRefused(`the backup's tokenmap.json has no tokens for ${fqdn}`);
    if (!options.cassandraYamlPath)
      throw new RestoreRefused('a restore into another cluster needs cassandra.yaml to set tokens');
  }
  for (const endpoint of options.mustBeStopped ?? []) {
    if (await portAnswers(endpoint.host, endpoint.port)) {
      throw new RestoreRefused(
        `Cassandra is running (${endpoint.host}:${endpoint.port} answers): stop it before restoring`,
      );
    }
  }
  const { staged, bytes, staging } = plan;
  if (plan.sizeOnly.length) {
    log.warn('some objects have no recorded checksum anywhere: only their size is checked', {
      objects: plan.sizeOnly.length,
      first: plan.sizeOnly.slice(0, 5),
    });
  }
  log.info('downloading', { backup: backupName, fqdn, files: staged.length, bytes, staging });
  const progress = new ProgressTracker(bytes, staged.length);
  if (options.onProgress) progress.on('progress', options.onProgress);
  let downloaded = 0;
  await mapLimited(staged, options.concurrency ?? 1, async (s) => {
    const current = await stat(s.stagedPath).catch(() => undefined);
    if (current?.size === s.object.size) {
      const kept = compareContent(s.expected, await fileDigests(s.stagedPath, s.expected.partSize));
      if (kept.verdict !== 'mismatch') {
        progress.fileSkipped(s.object.size);
        return;
      }
    }
    const received = incrementsOf((count) => progress.addBytes(count));
    const size = await store.downloadFile(s.object.path, s.stagedPath, received, s.expected);
    downloaded++;
    received.settle(size);
    progress.fileDone();
  });
  progress.flush();
  return downloaded;
}
