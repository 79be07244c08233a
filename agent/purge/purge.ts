import { createLogger, type Logger } from '../../lib/log.js';
import { S3Backend } from '../../lib/storage/drivers/s3.js';
import { LibStorageStore } from '../storage/lib-storage.js';
import { NodeBackupLock } from '../backup/node-lock.js';
import type { Catalog } from '../catalog/catalog.js';
import { parseIndexKey, type NodeBackupEntry } from '../catalog/catalog.js';

export interface PurgeOptions {
  catalog: Catalog;
  /** This node: purge looks at its backups only, as Medusa's node-local purge does. */
  fqdn: string;
  /** Days; 0 = no age limit ([storage] max_backup_age). */
  maxBackupAge: number;
  /** 0 = no count limit ([storage] max_backup_count). Only complete backups count. */
  maxBackupCount: number;
  /** Orphaned pool files younger than this are kept ([storage] backup_grace_period_in_days). */
  backupGracePeriodInDays: number;
  /** Lets the rules delete the node's last complete backup (`purge --allow-no-complete-backup`). */
  allowNoCompleteBackup?: boolean;
  /** The node lock (a running backup holds it): purge takes it too, so the two never overlap. */
  lockPath?: string;
  now?: Date;
  logger?: Logger;
}

/** The four counters of Medusa's PurgeBackupsResponse, plus what the last-backup rule spared. */
export interface PurgeStats {
  backupsPurged: string[];
  objectsPurged: number;
  bytesPurged: number;
  objectsWithinGracePeriod: number;
  /** The complete backup the rules selected but purge kept, as the node's last complete one. */
  keptLastComplete?: string;
  /** Incomplete multipart uploads (S3) aborted, older than the grace period. */
  uploadsAborted: number;
}

const isComplete = (backup: NodeBackupEntry) => backup.finished !== undefined;

/**
 * Node backups that the age and count rules select for deletion (their union). Only complete
 * backups count: max_backup_count keeps the newest N complete ones, so an incomplete backup never
 * displaces a complete one. An incomplete backup goes when older than max_backup_age, or, with a
 * count limit, when a newer complete backup has superseded it. Callers hold the node lock, so no
 * incomplete backup of this node is still running.
 */
export function selectForPurge(
  backups: readonly NodeBackupEntry[],
  maxBackupAge: number,
  maxBackupCount: number,
  now: Date,
): NodeBackupEntry[] {
  const chosen = new Set<NodeBackupEntry>();
  if (maxBackupAge > 0) {
    const limit = now.getTime() / 1000 - maxBackupAge * 86400;
    for (const backup of backups) if (backup.started < limit) chosen.add(backup);
  }
  if (maxBackupCount > 0) {
    const complete = backups.filter(isComplete).sort((a, b) => a.started - b.started);
    for (const backup of complete.slice(0, Math.max(0, complete.length - maxBackupCount))) chosen.add(backup);
    const newestComplete = complete.at(-1)?.started;
    if (newestComplete !== undefined) {
      for (const backup of backups)
        if (!isComplete(backup) && backup.started < newestComplete) chosen.add(backup);
    }
  }
  return backups.filter((backup) => chosen.has(backup));
}

/**
 * The selection, minus the newest complete backup when the rules would leave the node none
 * (unless `allow`). Returns what to delete and the backup spared.
 */
export function keepLastComplete(
  backups: readonly NodeBackupEntry[],
  selected: readonly NodeBackupEntry[],
  allow: boolean,
): { remove: NodeBackupEntry[]; spared?: NodeBackupEntry } {
  const complete = backups.filter(isComplete);
  const left = complete.filter((backup) => !selected.includes(backup));
  if (allow || complete.length === 0 || left.length > 0) return { remove: [...selected] };
  const spared = [...complete].sort((a, b) => a.started - b.started).at(-1)!;
  return { remove: selected.filter((backup) => backup !== spared), spared };
}

/**
 * Deletes one node backup with exact name and fqdn matching: its index entries first (so a deletion
 * cut short reads as an incomplete backup, never as a complete one), then its folder (manifest.json
 * first), then the latest pointer if it names this backup. Pool files are left to purgeOrphans.
 */
export async function deleteNodeBackup(
  catalog: Catalog,
  fqdn: string,
  name: string,
): Promise<{ objects: number; bytes: number }> {
  const { store, layout } = catalog;
  const index = (await store.list(layout.index(name, ''))).filter((object) => {
    const parsed = parseIndexKey(object.key, catalog.prefix);
    return parsed?.fqdn === fqdn && parsed.name === name;
  });
  // The finished entry and the index manifest go first: the backup stops being complete at once.
  const rank = (key: string) => (/\/(finished_|manifest_)[^/]*$/.test(key) ? 0 : 1);
  for (const object of index.sort((a, b) => rank(a.key) - rank(b.key))) await store.delete(object.key);
  const manifest = layout.meta(fqdn, name, 'manifest.json');
  const folder = (await store.list(layout.backupFolder(fqdn, name))).sort(
    (a, b) => Number(b.key === manifest) - Number(a.key === manifest),
  );
  let bytes = 0;
  for (const object of folder) {
    await store.delete(object.key);
    bytes += object.size;
  }
  const latest = layout.latest(fqdn, 'backup_name.txt');
  const pointer = await store.head(latest);
  if (pointer && (await store.readBytes(latest)).toString('utf8') === name) {
    await store.delete(latest);
    await store.delete(layout.latest(fqdn, 'tokenmap.json'));
  }
  return { objects: folder.length, bytes };
}

/**
 * Pool files no differential manifest of the node references, deleted once older than the grace
 * period (files of a backup that was killed before its manifest are protected by the grace only).
 * A manifest that cannot be read refuses the cleanup rather than take its files for orphans.
 */
export async function purgeOrphans(
  catalog: Catalog,
  fqdn: string,
  gracePeriodDays: number,
  now: Date,
): Promise<{ objects: number; bytes: number; withinGrace: number }> {
  assertGrace(gracePeriodDays);
  const referenced = new Set<string>();
  for (const backup of await catalog.nodeBackups(fqdn)) {
    if (!backup.differential) continue;
    // A killed backup has no manifest: its files are protected by the grace period only. A finished
    // one whose manifest cannot be read stops the cleanup: its files cannot be told from orphans.
    if (backup.finished === undefined) continue;
    let manifest;
    try {
      manifest = await catalog.manifestOf(backup);
    } catch (error) {
      throw new Error(
        `orphaned files of ${fqdn} are not purged: the manifest of backup ${backup.name} cannot be read (${(error as Error).message})`,
      );
    }
    for (const section of manifest) for (const o of section.objects) referenced.add(o.path);
  }
  const limit = now.getTime() - gracePeriodDays * 86400_000;
  let objects = 0;
  let bytes = 0;
  let withinGrace = 0;
  for (const object of await catalog.store.list(catalog.layout.pool(fqdn))) {
    if (referenced.has(object.key)) continue;
    const fresh = await catalog.store.head(object.key);
    if (!fresh) continue;
    if (fresh.lastModified.getTime() > limit) {
      withinGrace++;
      continue;
    }
    await catalog.store.delete(object.key);
    objects++;
    bytes += fresh.size;
  }
  return { objects, bytes, withinGrace };
}

/** Multipart uploads a killed process left under the node's folder, older than the grace period. */
async function abortStaleUploads(catalog: Catalog, fqdn: string, gracePeriodDays: number, now: Date) {
  const { store } = catalog;
  if (!(store instanceof LibStorageStore && store.storage.backend instanceof S3Backend)) return 0;
  const before = new Date(now.getTime() - gracePeriodDays * 86400_000);
  return (await store.storage.backend.abortIncompleteUploads(`${catalog.layout.nodeBase(fqdn)}/`, before))
    .length;
}

/** A grace period that is not a non-negative number would turn the grace off: refused. */
function assertGrace(days: number): void {
  if (!Number.isFinite(days) || days < 0)
    throw new Error(`backup grace period ${days} is not a non-negative number of days`);
}

/**
 * Medusa's `purge` for one node: retention by age and count over complete backups, never the last
 * complete one unless allowed, then orphaned pool files and stale multipart uploads past the grace
 * period. Holds the node lock throughout, so it never runs beside a backup of this node.
 */
export async function purge(options: PurgeOptions): Promise<PurgeStats> {
  const now = options.now ?? new Date();
  const log = options.logger ?? createLogger('purge');
  assertGrace(options.backupGracePeriodInDays);
  const lock = await NodeBackupLock.acquire('purge', options.lockPath);
  try {
    const backups = await options.catalog.nodeBackups(options.fqdn);
    const selected = selectForPurge(backups, options.maxBackupAge, options.maxBackupCount, now);
    const { remove, spared } = keepLastComplete(backups, selected, options.allowNoCompleteBackup ?? false);
    if (spared) {
      log.warn('kept the last complete backup of this node (purge --allow-no-complete-backup deletes it)', {
        backup: spared.name,
        fqdn: spared.fqdn,
      });
    }
    const stats: PurgeStats = {
      backupsPurged: [],
      objectsPurged: 0,
      bytesPurged: 0,
      objectsWithinGracePeriod: 0,
      keptLastComplete: spared?.name,
      uploadsAborted: 0,
    };
    for (const backup of remove) {
      const removed = await deleteNodeBackup(options.catalog, backup.fqdn, backup.name);
      stats.backupsPurged.push(backup.name);
      stats.objectsPurged += removed.objects;
      stats.bytesPurged += removed.bytes;
      log.info('purged backup', { backup: backup.name, fqdn: backup.fqdn, ...removed });
    }
    const orphans = await purgeOrphans(options.catalog, options.fqdn, options.backupGracePeriodInDays, now);
    stats.objectsPurged += orphans.objects;
    stats.bytesPurged += orphans.bytes;
    stats.objectsWithinGracePeriod = orphans.withinGrace;
    stats.uploadsAborted = await abortStaleUploads(
      options.catalog,
      options.fqdn,
      options.backupGracePeriodInDays,
      now,
    );
    return stats;
  } finally {
    await lock.release();
  }
}

/** The backup named does not exist (delete-backup exits 1, as Medusa's KeyError does). */
export class NoSuchBackupError extends Error {
  constructor(name: string) {
    super(`The backup ${name} does not exist`);
    this.name = 'NoSuchBackupError';
  }
}

export interface DeleteBackupOptions {
  catalog: Catalog;
  /** This node. */
  fqdn: string;
  names: readonly string[];
  /** Medusa's `--all-nodes`: every node's part of the backup, not only this node's. */
  allNodes: boolean;
  backupGracePeriodInDays: number;
  lockPath?: string;
  now?: Date;
  logger?: Logger;
}

/**
 * Medusa's `delete-backup` (medusa/purge.py delete_backup): the named backups' node folders and index
 * entries on this node (or every node), then each touched node's pool files no remaining manifest
 * references, past the grace period. Partial backups can be deleted too. Every name must exist
 * (in the index, or, for this node, as a folder whose index entries are gone). Holds the node lock.
 */
export async function deleteBackups(options: DeleteBackupOptions): Promise<PurgeStats> {
  const now = options.now ?? new Date();
  const log = options.logger ?? createLogger('delete-backup');
  assertGrace(options.backupGracePeriodInDays);
  const { catalog } = options;
  const lock = await NodeBackupLock.acquire('delete-backup', options.lockPath);
  try {
    const nodes = await catalog.nodeBackups();
    const targets: { fqdn: string; name: string }[] = [];
    for (const name of options.names) {
      const found = nodes.filter(
        (node) => node.name === name && (options.allNodes || node.fqdn === options.fqdn),
      );
      const inIndex = nodes.some((node) => node.name === name);
      if (found.length) targets.push(...found.map((node) => ({ fqdn: node.fqdn, name })));
      else if ((await catalog.store.list(catalog.layout.backupFolder(options.fqdn, name))).length)
        targets.push({ fqdn: options.fqdn, name }); // only leftovers of an interrupted run or deletion
      else if (!inIndex) throw new NoSuchBackupError(name);
    }
    const stats: PurgeStats = {
      backupsPurged: [],
      objectsPurged: 0,
      bytesPurged: 0,
      objectsWithinGracePeriod: 0,
      uploadsAborted: 0,
    };
    for (const target of targets) {
      const removed = await deleteNodeBackup(catalog, target.fqdn, target.name);
      if (!stats.backupsPurged.includes(target.name)) stats.backupsPurged.push(target.name);
      stats.objectsPurged += removed.objects;
      stats.bytesPurged += removed.bytes;
      log.info('deleted backup', { backup: target.name, fqdn: target.fqdn, ...removed });
    }
    const fqdns = new Set(targets.map((t) => t.fqdn));
    if (fqdns.size === 0) fqdns.add(options.fqdn);
    for (const fqdn of fqdns) {
      const orphans = await purgeOrphans(catalog, fqdn, options.backupGracePeriodInDays, now);
      stats.objectsPurged += orphans.objects;
      stats.bytesPurged += orphans.bytes;
      stats.objectsWithinGracePeriod += orphans.withinGrace;
      stats.uploadsAborted += await abortStaleUploads(catalog, fqdn, options.backupGracePeriodInDays, now);
    }
    return stats;
  } finally {
    await lock.release();
  }
}
