import { chown, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createLogger, type Logger } from '../../lib/log.js';
import { portAnswers } from '../../lib/tcp-port.js';
import { ensureFreeSpace } from '../backup/free-space.js';
import { MedusaLayout } from '../backup/layout.js';
import { parseTokenMap } from '../backup/medusa-json.js';
import { incrementsOf } from '../../lib/storage/transfer/counter.js';
import { ProgressTracker, type Progress } from '../backup/progress.js';
import { selected, tableNameOf, type TableFilter } from '../backup/snapshot-files.js';
import { withTokenSettings } from '../cassandra/cassandra-yaml.js';
import { fileMatchesHash } from '../../lib/storage/hashing.js';
import {
  parseManifest,
  type ManifestObject,
  type ManifestSection,
} from '../../lib/storage/repository/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { mapLimited } from '../util/limit.js';

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
  /** Compare checksums after download when the manifest holds a comparable hash (default true). */
  verifyChecksums?: boolean;
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

interface StagedObject {
  section: ManifestSection;
  object: ManifestObject;
  /** Path below the staged table directory (file name, or `.index/file`). */
  relativePath: string;
  stagedPath: string;
}

/** The path of an object below its table directory, taken from its key (`.../<ks>/<cf>/<rest>`). */
export function pathInTable(section: ManifestSection, key: string): string {
  const marker = `/${section.keyspace}/${section.columnfamily}/`;
  const at = key.lastIndexOf(marker);
  if (at < 0)
    throw new Error(`manifest key ${key} is not inside ${section.keyspace}/${section.columnfamily}`);
  return key.slice(at + marker.length);
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
 * Restores one node's data from a backup the way cassandra-medusa's restore-node does, with the
 * download staged on the data volume and verified before anything on the node is touched:
 * download + verify sizes/checksums, empty the commit log, replace each restored table directory,
 * and for a restore into another cluster write the backup's tokens into cassandra.yaml.
 * Cassandra must be stopped. With a restore key, a repeated run (restarted init container) is a no-op.
 */
export async function restoreNode(options: RestoreNodeOptions): Promise<RestoreNodeResult> {
  const started = Date.now();
  const log = options.logger ?? createLogger('restore');
  const { store, backupName, fqdn } = options;
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

  if (options.restoreKey) {
    const last = await readFile(markerPath, 'utf8').catch(() => undefined);
    if (last?.trim() === options.restoreKey) {
      log.info('restore already done, skipping', { restoreKey: options.restoreKey });
      return result({ skipped: true, reason: `restore ${options.restoreKey} already done` });
    }
  }

  const layout = new MedusaLayout(options.prefix);
  if (!(await store.head(layout.meta(fqdn, backupName, 'schema.cql')))) {
    throw new Error(`backup ${backupName} has no node backup for ${fqdn}`);
  }
  const manifestKey = layout.meta(fqdn, backupName, 'manifest.json');
  if (!(await store.head(manifestKey))) {
    throw new Error(
      `the node backup ${backupName} of ${fqdn} is incomplete (no manifest.json): refusing to restore it`,
    );
  }
  let sections = sectionsToRestore(
    parseManifest((await store.readBytes(manifestKey)).toString('utf8')),
    options.filter,
  );
  const currentIds = options.currentTableIds;
  if (currentIds) {
    sections = sections.filter((s) => !systemKeyspaces.has(s.keyspace));
    const missing = sections
      .map((s) => `${s.keyspace}.${tableNameOf(s.columnfamily)}`)
      .filter((table) => !currentIds.has(table));
    if (missing.length) {
      throw new Error(`these tables of the backup do not exist in the current schema: ${missing.join(', ')}`);
    }
  }
  /** The table directory to restore into: the backup's, or the current table id's. */
  const targetDir = (section: ManifestSection): string =>
    currentIds
      ? `${tableNameOf(section.columnfamily)}-${currentIds.get(`${section.keyspace}.${tableNameOf(section.columnfamily)}`)}`
      : section.columnfamily;
  const tokenMap = parseTokenMap(
    (await store.readBytes(layout.meta(fqdn, backupName, 'tokenmap.json'))).toString('utf8'),
  );

  for (const endpoint of options.mustBeStopped ?? []) {
    if (await portAnswers(endpoint.host, endpoint.port)) {
      throw new Error(
        `Cassandra is running (${endpoint.host}:${endpoint.port} answers): stop it before restoring`,
      );
    }
  }

  const skipTable = (section: ManifestSection): boolean =>
    (!options.inPlace &&
      ((section.keyspace === 'system' && section.columnfamily.startsWith('local-')) ||
        section.columnfamily.startsWith('peers'))) ||
    (!options.inPlace && Boolean(options.keepAuth) && section.keyspace === 'system_auth');

  // 1. Download into the staging directory and verify. Files already staged with the right size and
  //    checksum (a restarted init container) are kept.
  const staging = join(options.stagingRoot ?? volume, `medusa-restore-${backupName}`);
  const staged: StagedObject[] = sections
    .filter((section) => !skipTable(section))
    .flatMap((section) =>
      section.objects.map((object) => {
        const relativePath = pathInTable(section, object.path);
        return {
          section,
          object,
          relativePath,
          stagedPath: join(staging, section.keyspace, section.columnfamily, relativePath),
        };
      }),
    );
  const bytes = staged.reduce((sum, s) => sum + s.object.size, 0);
  await mkdir(staging, { recursive: true });
  await ensureFreeSpace(staging, bytes, `restoring ${backupName}`);
  log.info('downloading', { backup: backupName, fqdn, files: staged.length, bytes, staging });
  const progress = new ProgressTracker(bytes, staged.length);
  if (options.onProgress) progress.on('progress', options.onProgress);
  const verify = options.verifyChecksums ?? true;
  const partSize = options.multipartChunksize ?? 50 * 1024 ** 2;
  let downloaded = 0;
  await mapLimited(staged, options.concurrency ?? 1, async (s) => {
    const current = await stat(s.stagedPath).catch(() => undefined);
    const reusable =
      current?.size === s.object.size &&
      (!verify || (await fileMatchesHash(s.stagedPath, s.object.MD5, partSize)) !== false);
    if (reusable) {
      progress.fileSkipped(s.object.size);
      return;
    }
    const received = incrementsOf((bytes) => progress.addBytes(bytes));
    const size = await store.downloadFile(s.object.path, s.stagedPath, received);
    downloaded++;
    if (size !== s.object.size) {
      throw new Error(`${s.object.path}: downloaded ${size} bytes, the manifest says ${s.object.size}`);
    }
    if (verify && (await fileMatchesHash(s.stagedPath, s.object.MD5, partSize)) === false) {
      await rm(s.stagedPath, { force: true });
      throw new Error(`${s.object.path}: checksum does not match the manifest (${s.object.MD5})`);
    }
    received.settle(size);
    progress.fileDone();
  });
  progress.flush();

  // 2. Nothing on the node was touched so far. Now: commit log, then table directories.
  const owner = await stat(options.dataDirectory);
  for (const entry of await readdir(options.commitlogDirectory).catch(() => [] as string[])) {
    await rm(join(options.commitlogDirectory, entry), { recursive: true, force: true });
  }
  for (const section of sections) {
    const keyspaceDir = join(options.dataDirectory, section.keyspace);
    const destination = join(keyspaceDir, targetDir(section));
    if (options.keepAuth && !options.inPlace && section.keyspace === 'system_auth') continue;
    await rm(destination, { recursive: true, force: true });
    if (skipTable(section)) continue;
    await mkdir(keyspaceDir, { recursive: true });
    const source = join(staging, section.keyspace, section.columnfamily);
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
