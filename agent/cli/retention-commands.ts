import { deleteBackups, type PurgeStats } from '../purge/purge.js';
import { humanizeBytes } from '../../lib/units.js';
import type { NodeContext } from './context.js';

/** delete-backup: Medusa's command, on this node's part of each backup or (allNodes) every node's. */
export function runDeleteBackup(
  ctx: NodeContext,
  names: readonly string[],
  allNodes: boolean,
): Promise<PurgeStats> {
  return deleteBackups({
    catalog: ctx.catalog(),
    fqdn: ctx.fqdn,
    names,
    allNodes,
    backupGracePeriodInDays: ctx.config.storage.backupGracePeriodInDays,
    logger: ctx.log,
  });
}

/** The line purge and delete-backup print. */
export function retentionSummary(verb: 'Purged' | 'Deleted', stats: PurgeStats): string {
  const names = stats.backupsPurged.length ? ` (${stats.backupsPurged.join(', ')})` : '';
  const kept = stats.keptLastComplete
    ? `; kept ${stats.keptLastComplete}, the last complete backup of this node (--allow-no-complete-backup deletes it)`
    : '';
  const uploads = stats.uploadsAborted ? `; aborted ${stats.uploadsAborted} incomplete uploads` : '';
  return (
    `${verb} ${stats.backupsPurged.length} backups${names}, ${stats.objectsPurged} objects, ` +
    `${humanizeBytes(stats.bytesPurged)}; ${stats.objectsWithinGracePeriod} orphaned objects kept within the grace period` +
    `${uploads}${kept}`
  );
}
