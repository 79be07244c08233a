import { createLogger, type Logger } from '../../lib/log.js';
import type { CassandraControl } from '../cassandra/control.js';
import type { ServerVersion, TokenMap } from '../cassandra/cql.js';
import { fileDigests, fileMatchesHash } from '../../lib/storage/hashing.js';
import { incrementsOf } from '../../lib/storage/transfer/counter.js';
import {
  serializeManifest,
  serializeServerVersion,
  type ManifestObject,
  type ManifestSection,
} from '../../lib/storage/repository/manifest.js';
import { Catalog } from '../catalog/catalog.js';
import { deleteNodeBackup } from '../purge/purge.js';
import type { ObjectStore, StoredObject } from '../storage/object-store.js';
import { mapLimited } from '../util/limit.js';
import { ensureFreeSpace } from './free-space.js';
import { MedusaLayout, validateBackupName, validateFqdn } from './layout.js';
import { formatTokenMap } from './medusa-json.js';
import { NodeBackupLock } from './node-lock.js';
import { ProgressTracker, type Progress } from './progress.js';
import {
  discoverSnapshotFiles,
  totalsOf,
  type SnapshotFile,
  type SnapshotTable,
  type TableFilter,
} from './snapshot-files.js';
import { clearStaleSnapshots, snapshotTag } from './stale-snapshots.js';

/** What a backup reads from CQL (a CqlSession provides it). */
export interface ClusterMetadataSource {
  schema(): Promise<string>;
  tokenMap(): Promise<TokenMap>;
  serverVersion(): Promise<ServerVersion>;
}

export type BackupMode = 'full' | 'differential';

export interface BackupNodeOptions {
  backupName: string;
  mode: BackupMode;
  /** The node's identity in storage ([storage] fqdn). */
  fqdn: string;
  prefix?: string;
  dataDirectory: string;
  store: ObjectStore;
  control: CassandraControl;
  metadata: ClusterMetadataSource;
  filter?: TableFilter;
  /** [checks] enable_md5_checks: differential reuse also compares hashes, not just sizes. */
  md5Checks?: boolean;
  /** S3 part size, to compare multipart ETags ([storage] multipart_chunksize). */
  multipartChunksize?: number;
  /** Files in flight ([storage] concurrent_transfers). */
  concurrency?: number;
  keepSnapshot?: boolean;
  /**
   * The snapshot `medusa-<B>` was taken for this very backup (backup-cluster's first step): use it.
   * Otherwise a snapshot of that name is a leftover of a crashed run and is replaced by a fresh one.
   */
  useExistingSnapshot?: boolean;
  /** For local storage: the directory whose filesystem receives the upload (free-space check). */
  localStorageDir?: string;
  lockPath?: string;
  logger?: Logger;
  onProgress?: (progress: Progress) => void;
  progressIntervalMs?: number;
}

export interface BackupNodeResult {
  backupName: string;
  fqdn: string;
  mode: BackupMode;
  tables: number;
  /** Files in the manifest (uploaded + reused). */
  files: number;
  /** Bytes in the manifest. */
  bytes: number;
  filesUploaded: number;
  /** Differential: pool files that existed with a different size/hash and were uploaded again. */
  filesReuploaded: number;
  filesReused: number;
  bytesUploaded: number;
  startedEpoch: number;
  finishedEpoch: number;
  durationMs: number;
  staleSnapshotsCleared: string[];
  /** An earlier attempt of this backup that never finished, deleted before this one started. */
  replacedPartial: boolean;
}

export class BackupExistsError extends Error {
  constructor(backupName: string, fqdn: string, unindexed = false) {
    super(
      unindexed
        ? `backup ${backupName} of node ${fqdn} has a manifest but no index entries; delete-backup --backup-name ${backupName} removes it`
        : `backup ${backupName} already exists for node ${fqdn}`,
    );
    this.name = 'BackupExistsError';
  }
}

export interface PlannedFile {
  table: SnapshotTable;
  file: SnapshotFile;
  key: string;
  /** The pool object to reuse (differential), if it matches. */
  reuse?: StoredObject;
  /** The checksum the manifest records for a reused object (from an earlier manifest, or computed). */
  reuseHash?: string | null;
  reupload: boolean;
}

const epochOf = (object: StoredObject | undefined): number =>
  Math.floor((object?.lastModified.getTime() ?? Date.now()) / 1000);

/**
 * Backs up one node the way cassandra-medusa does (backup_node.py), writing the same objects in the
 * same order: meta/schema.cql, tokenmap.json, server_version.json, [differential], index start
 * entries, data, meta/manifest.json, index end entries, latest pointer. The snapshot is always
 * cleared (unless keepSnapshot), and stale medusa-* snapshots of crashed runs are cleared first.
 */
export async function backupNode(options: BackupNodeOptions): Promise<BackupNodeResult> {
  const started = Date.now();
  const { backupName, fqdn, store, control, mode } = options;
  const log = options.logger ?? createLogger('backup');
  validateBackupName(backupName);
  validateFqdn(fqdn);
  const layout = new MedusaLayout(options.prefix);
  const differential = mode === 'differential';
  const tag = snapshotTag(backupName);

  const catalog = new Catalog(store, options.prefix);
  const refuseExisting = async () => {
    const state = await catalog.nodeBackupState(fqdn, backupName);
    if (state === 'complete' || state === 'unindexed')
      throw new BackupExistsError(backupName, fqdn, state === 'unindexed');
    return state;
  };
  await refuseExisting();

  const lock = await NodeBackupLock.acquire(backupName, options.lockPath);
  let snapshotTaken = false;
  try {
    // Under the lock no other run of this node is writing: what an earlier attempt of this name left
    // (it was killed, or failed) is replaced, never resumed, so the backup is the data of now.
    const replacedPartial = (await refuseExisting()) === 'partial';
    if (replacedPartial) {
      const removed = await deleteNodeBackup(catalog, fqdn, backupName);
      log.warn('replaced the incomplete backup an earlier attempt left', { backup: backupName, ...removed });
    }
    // A medusa-<B> snapshot is only kept when this backup's own caller took it (backup-cluster).
    const staleSnapshotsCleared = await clearStaleSnapshots(
      control,
      options.useExistingSnapshot ? tag : undefined,
    );
    if (staleSnapshotsCleared.length) log.warn('cleared stale snapshots', { tags: staleSnapshotsCleared });

    // Snapshot and plan before writing anything, so a failed check leaves no incomplete backup behind.
    if (!options.useExistingSnapshot || !(await control.listSnapshots()).includes(tag))
      await control.takeSnapshot(tag);
    snapshotTaken = true;
    const tables = await discoverSnapshotFiles(options.dataDirectory, tag, options.filter ?? {});
    const plan = await planUploads(tables, options, layout, catalog);
    const toUpload = plan.filter((p) => !p.reuse);
    const bytesToUpload = toUpload.reduce((sum, p) => sum + p.file.size, 0);
    if (options.localStorageDir)
      await ensureFreeSpace(options.localStorageDir, bytesToUpload, `backup ${backupName}`);

    const [schema, tokenMap, serverVersion] = await Promise.all([
      options.metadata.schema(),
      options.metadata.tokenMap(),
      options.metadata.serverVersion(),
    ]);
    const tokenMapJson = formatTokenMap(tokenMap);
    const schemaObject = await store.putBytes(layout.meta(fqdn, backupName, 'schema.cql'), schema);
    await store.putBytes(layout.meta(fqdn, backupName, 'tokenmap.json'), tokenMapJson);
    await store.putBytes(
      layout.meta(fqdn, backupName, 'server_version.json'),
      serializeServerVersion(serverVersion),
    );
    if (differential) await store.putBytes(layout.meta(fqdn, backupName, 'differential'), 'differential');
    const startedEpoch = epochOf((await store.head(schemaObject.key)) ?? schemaObject);
    await store.putBytes(layout.index(backupName, `tokenmap_${fqdn}.json`), tokenMapJson);
    await store.putBytes(layout.index(backupName, `schema_${fqdn}.cql`), schema);
    await store.putBytes(
      layout.index(backupName, `started_${fqdn}_${startedEpoch}.timestamp`),
      String(startedEpoch),
    );
    if (differential) await store.putBytes(layout.index(backupName, `differential_${fqdn}`), 'differential');

    const totals = totalsOf(tables);
    log.info('backing up', {
      backup: backupName,
      mode,
      tables: tables.length,
      files: totals.files,
      bytes: totals.bytes,
      filesToUpload: toUpload.length,
      bytesToUpload,
    });
    const progress = new ProgressTracker(totals.bytes, totals.files, {
      intervalMs: options.progressIntervalMs,
    });
    if (options.onProgress) progress.on('progress', options.onProgress);
    progress.flush();

    const uploaded = new Map<PlannedFile, ManifestObject>();
    for (const p of plan) if (p.reuse) progress.fileSkipped(p.file.size);
    await mapLimited(toUpload, options.concurrency ?? 1, async (p) => {
      // Bytes count as they stream, so a large SSTable shows progress before it is done.
      const sent = incrementsOf((bytes) => progress.addBytes(bytes));
      const object = await store.uploadFile(p.key, p.file.absolutePath, sent);
      uploaded.set(p, { path: object.key, MD5: object.hash, size: object.size });
      sent.settle(p.file.size);
      progress.fileDone();
    });

    // Sections in discovery order; within one, new uploads first, then reused pool objects (as Medusa).
    const sections: ManifestSection[] = tables.map((table) => {
      const own = plan.filter((p) => p.table === table);
      const fresh = own.filter((p) => !p.reuse).map((p) => uploaded.get(p)!);
      const kept = own
        .filter((p) => p.reuse)
        .map((p) => ({ path: p.reuse!.key, MD5: p.reuseHash ?? null, size: p.reuse!.size }));
      return { keyspace: table.keyspace, columnfamily: table.tableDir, objects: [...fresh, ...kept] };
    });

    if (!options.keepSnapshot) {
      await control.clearSnapshot(tag);
      snapshotTaken = false;
    }

    const manifestJson = serializeManifest(sections);
    const manifestObject = await store.putBytes(layout.meta(fqdn, backupName, 'manifest.json'), manifestJson);
    const finishedEpoch = epochOf((await store.head(manifestObject.key)) ?? manifestObject);
    await store.putBytes(layout.index(backupName, `manifest_${fqdn}.json`), manifestJson);
    await store.putBytes(
      layout.index(backupName, `finished_${fqdn}_${finishedEpoch}.timestamp`),
      String(finishedEpoch),
    );
    await store.putBytes(layout.latest(fqdn, 'tokenmap.json'), tokenMapJson);
    await store.putBytes(layout.latest(fqdn, 'backup_name.txt'), backupName);
    progress.flush();

    const result: BackupNodeResult = {
      backupName,
      fqdn,
      mode,
      tables: tables.length,
      files: totals.files,
      bytes: totals.bytes,
      filesUploaded: toUpload.length,
      filesReuploaded: toUpload.filter((p) => p.reupload).length,
      filesReused: plan.length - toUpload.length,
      bytesUploaded: bytesToUpload,
      startedEpoch,
      finishedEpoch,
      durationMs: Date.now() - started,
      staleSnapshotsCleared,
      replacedPartial,
    };
    log.info('backup finished', { ...result });
    return result;
  } finally {
    if (snapshotTaken && !options.keepSnapshot) {
      await control.clearSnapshot(tag).catch((error: unknown) => {
        log.error('could not clear the snapshot', { tag, error: (error as Error).message });
      });
    }
    await lock.release();
  }
}

/** Pool index key: keyspace / table dir / relative path (2i files keep their `.index/` folder). */
const poolKey = (keyspace: string, tableDir: string, relativePath: string) =>
  `${keyspace}/${tableDir}/${relativePath}`;

/**
 * The checksums earlier manifests of this node recorded for the given pool keys, newest complete
 * differential backup first (Medusa takes a reused entry's MD5 from the previous manifest).
 */
async function recordedHashes(
  catalog: Catalog,
  fqdn: string,
  keys: Set<string>,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const previous = (await catalog.nodeBackups(fqdn)).filter(
    (b) => b.differential && b.finished !== undefined,
  );
  for (const backup of previous.reverse()) {
    if (found.size === keys.size) break;
    const manifest = await catalog.manifestOf(backup).catch(() => []);
    for (const object of manifest.flatMap((section) => section.objects)) {
      if (object.MD5 && keys.has(object.path) && !found.has(object.path)) found.set(object.path, object.MD5);
    }
  }
  return found;
}

/** What a backup uploads and what it reuses (also the dry-run plan's source). */
export async function planUploads(
  tables: readonly SnapshotTable[],
  options: BackupNodeOptions,
  layout: MedusaLayout,
  catalog = new Catalog(options.store, options.prefix),
): Promise<PlannedFile[]> {
  const differential = options.mode === 'differential';
  const root = layout.dataRoot(options.fqdn, options.backupName, differential);
  const pool = new Map<string, StoredObject>();
  if (differential) {
    const poolPrefix = layout.pool(options.fqdn);
    for (const object of await options.store.list(poolPrefix))
      pool.set(object.key.slice(poolPrefix.length), object);
  }
  const planned: PlannedFile[] = [];
  for (const table of tables) {
    for (const file of table.files) {
      const relative = poolKey(table.keyspace, table.tableDir, file.relativePath);
      planned.push({ table, file, key: `${root}/${relative}`, reupload: false, reuse: pool.get(relative) });
    }
  }
  const partSize = options.multipartChunksize ?? 50 * 1024 ** 2;
  const recorded = await recordedHashes(
    catalog,
    options.fqdn,
    new Set(planned.filter((p) => p.reuse).map((p) => p.reuse!.key)),
  );
  // A pool object is reused only when it matches: same size, and same hash when md5 checks are on.
  // Its manifest entry carries a checksum, as Medusa's do: the one an earlier manifest recorded,
  // else the store's, else the MD5 of the file being backed up (what the object must hold).
  await mapLimited(planned, 4, async (p) => {
    if (!p.reuse) return;
    const known = recorded.get(p.reuse.key) ?? p.reuse.hash ?? null;
    let same = p.reuse.size === p.file.size;
    if (same && options.md5Checks)
      same = (await fileMatchesHash(p.file.absolutePath, known, partSize)) !== false;
    if (!same) {
      p.reuse = undefined;
      p.reupload = true;
      return;
    }
    p.reuseHash = known ?? (await fileDigests(p.file.absolutePath, partSize)).md5;
  });
  return planned;
}
