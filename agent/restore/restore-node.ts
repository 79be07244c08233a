import { chown, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createLogger, type Logger } from '../../lib/log.js';
import { ensureFreeSpace } from '../backup/free-space.js';
import type { Progress } from '../backup/progress.js';
import { tableNameOf, type TableFilter } from '../backup/snapshot-files.js';
import { withTokenSettings } from '../cassandra/cassandra-yaml.js';
import type { TokenMap } from '../cassandra/cql.js';
import type { ExpectedContent } from '../../lib/storage/hashing.js';
import {
  pathInTable,
  type ManifestObject,
  type ManifestSection,
} from '../../lib/storage/repository/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { mapLimited } from '../util/limit.js';
import { stageFiles } from './download.js';
import { assertInside, RestoreRefused } from './refused.js';
import { alwaysRestored, inspectStoredBackup } from './stored-backup.js';

export { assertInside, RestoreRefused } from './refused.js';
export {
  inspectStoredBackup,
  sectionsToRestore,
  type StoredBackup,
  type StoredBackupQuery,
} from './stored-backup.js';

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
   * The staging folder itself, directly inside stagingRoot (default: `medusa-restore-<backup>`): a
   * prepared restore's folder (agent/restore/staging.ts).
   */
  stagingDir?: string;
  /**
   * The staging folder was filled and verified by a prepare whose marker says it is complete: a
   * staged file of the right size is moved into place without being read again (a missing or
   * resized one is downloaded and verified as usual).
   */
  trustStaged?: boolean;
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

export interface StagedObject {
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
  /** Bytes already in the staging folder with their expected size (an earlier prepare or attempt). */
  stagedBytes: number;
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
        stagedBytes: 0,
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
    options.stagingDir ?? join(stagingRoot, `medusa-restore-${backupName}`),
    'staging directory',
  );
  if (dirname(staging) !== stagingRoot)
    throw new RestoreRefused(
      options.stagingDir
        ? `staging folder ${staging} is not directly inside ${stagingRoot}`
        : `backup name '${backupName}' does not name one staging folder`,
    );
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
  // What an earlier prepare or attempt already staged takes no more room (its content is checked later).
  let stagedBytes = 0;
  await mapLimited(staged, 16, async (s) => {
    const current = await stat(s.stagedPath).catch(() => undefined);
    if (current?.isFile() && current.size === s.object.size) stagedBytes += s.object.size;
  });
  await ensureFreeSpace(staging, bytes - stagedBytes, `restoring ${backupName}`);
  return {
    sections,
    staging,
    staged,
    bytes,
    stagedBytes,
    tokenMap: backup.tokenMap,
    sizeOnly,
    destinations,
  };
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
    downloaded = await stageFiles(options, plan, log);
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
