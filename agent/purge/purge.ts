import { createLogger, type Logger } from '../../lib/log.js';
import type { Catalog } from '../catalog/catalog.js';
import { type NodeBackupEntry } from '../catalog/catalog.js';

export interface PurgeOptions {
  catalog: Catalog;
  /** This node: purge looks at its backups only, as Medusa's node-local purge does. */
  fqdn: string;
  /** Days; 0 = no age limit ([storage] max_backup_age). */
  maxBackupAge: number;
  /** 0 = no count limit ([storage] max_backup_count). Incomplete backups count, as in Medusa. */
  maxBackupCount: number;
  /** Orphaned pool files younger than this are kept ([storage] backup_grace_period_in_days). */
  backupGracePeriodInDays: number;
  now?: Date;
  logger?: Logger;
}

/** The four counters of Medusa's PurgeBackupsResponse. */
export interface PurgeStats {
  backupsPurged: string[];
  objectsPurged: number;
  bytesPurged: number;
  objectsWithinGracePeriod: number;
}

/** Node backups that the age and count rules select for deletion (their union). */
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
  if (maxBackupCount > 0 && backups.length > maxBackupCount) {
    const byAge = [...backups].sort((a, b) => a.started - b.started);
    for (const backup of byAge.slice(0, backups.length - maxBackupCount)) chosen.add(backup);
  }
  return backups.filter((backup) => chosen.has(backup));
}

/** Deletes one node backup: its folder and its own index entries (exact name and fqdn matches). */
export async function purgeNodeBackup(
  catalog: Catalog,
  backup: NodeBackupEntry,
): Promise<{ objects: number; bytes: number }> {
  const { store, layout } = catalog;
  let objects = 0;
  let bytes = 0;
  for (const object of await store.list(layout.backupFolder(backup.fqdn, backup.name))) {
    await store.delete(object.key);
    objects++;
    bytes += object.size;
  }
  for (const key of backup.indexKeys) await store.delete(key);
  return { objects, bytes };
}

/**
 * Pool files no differential manifest of the node references, deleted once older than the grace
 * period (so files of a backup still running are never taken).
 */
export async function purgeOrphans(
  catalog: Catalog,
  fqdn: string,
  gracePeriodDays: number,
  now: Date,
): Promise<{ objects: number; bytes: number; withinGrace: number }> {
  const referenced = new Set<string>();
  for (const backup of await catalog.nodeBackups(fqdn)) {
    if (!backup.differential) continue;
    try {
      for (const section of await catalog.manifestOf(backup))
        for (const o of section.objects) referenced.add(o.path);
    } catch {
      // No readable manifest (running or failed backup): its files are protected by the grace period only.
    }
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

/** Medusa's `purge` for one node: retention by age and count, then orphaned pool files. */
export async function purge(options: PurgeOptions): Promise<PurgeStats> {
  const now = options.now ?? new Date();
  const log = options.logger ?? createLogger('purge');
  const backups = await options.catalog.nodeBackups(options.fqdn);
  const selected = selectForPurge(backups, options.maxBackupAge, options.maxBackupCount, now);
  const stats: PurgeStats = {
    backupsPurged: [],
    objectsPurged: 0,
    bytesPurged: 0,
    objectsWithinGracePeriod: 0,
  };
  for (const backup of selected) {
    const removed = await purgeNodeBackup(options.catalog, backup);
    stats.backupsPurged.push(backup.name);
    stats.objectsPurged += removed.objects;
    stats.bytesPurged += removed.bytes;
    log.info('purged backup', { backup: backup.name, fqdn: backup.fqdn, ...removed });
  }
  const orphans = await purgeOrphans(options.catalog, options.fqdn, options.backupGracePeriodInDays, now);
  stats.objectsPurged += orphans.objects;
  stats.bytesPurged += orphans.bytes;
  stats.objectsWithinGracePeriod = orphans.withinGrace;
  return stats;
}
