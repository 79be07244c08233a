import { createLogger, type Logger } from '../../lib/log.js';
import type { CassandraControl } from '../cassandra/control.js';
import type { ServerVersion, TokenMap } from '../cassandra/cql.js';
import { fileMatchesHash } from '../../lib/storage/hashing.js';
import { incrementsOf } from '../../lib/storage/transfer/counter.js';
import {
  serializeManifest,
  serializeServerVersion,
  type ManifestObject,
  type ManifestSection,
} from '../../lib/storage/repository/manifest.js';
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
}

export class BackupExistsError extends Error {
  constructor(backupName: string, fqdn: string) {
    super(`backup ${backupName} already exists for node ${fqdn}`);
    this.name = 'BackupExistsError';
  }
}

interface PlannedFile {
  table: SnapshotTable;
  file: SnapshotFile;
  key: string;
  /** The pool object to reuse (differential), if it matches. */
  reuse?: StoredObject;
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

  if (await store.head(layout.meta(fqdn, backupName, 'schema.cql')))
    throw new BackupExistsError(backupName, fqdn);

  const lock = await NodeBackupLock.acquire(backupName, options.lockPath);
  let snapshotTaken = false;
  try {
    const staleSnapshotsCleared = await clearStaleSnapshots(control, tag);
    if (staleSnapshotsCleared.length) log.warn('cleared stale snapshots', { tags: staleSnapshotsCleared });

    // Snapshot and plan before writing anything, so a failed check leaves no incomplete backup behind.
    if (!(await control.listSnapshots()).includes(tag)) await control.takeSnapshot(tag);
    snapshotTaken = true;
    const tables = await discoverSnapshotFiles(options.dataDirectory, tag, options.filter ?? {});
    const plan = await planUploads(tables, options, layout);
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
        .map((p) => ({ path: p.reuse!.key, MD5: p.reuse!.hash, size: p.reuse!.size }));
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

async function planUploads(
  tables: readonly SnapshotTable[],
  options: BackupNodeOptions,
  layout: MedusaLayout,
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
  // A pool object is reused only when it matches: same size, and same hash when md5 checks are on.
  await mapLimited(planned, 4, async (p) => {
    if (!p.reuse) return;
    let same = p.reuse.size === p.file.size;
    if (same && options.md5Checks) {
      const match = await fileMatchesHash(
        p.file.absolutePath,
        p.reuse.hash,
        options.multipartChunksize ?? 50 * 1024 ** 2,
      );
      same = match !== false;
    }
    if (!same) {
      p.reuse = undefined;
      p.reupload = true;
    }
  });
  return planned;
}
