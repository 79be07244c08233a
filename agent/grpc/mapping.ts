// From our catalog's view of a backup to the messages Medusa's gRPC server answers with
// (medusa/service/grpc/server.py: get_backup_summary, set_overall_status, _determine_backup_status).
import type { ClusterBackupEntry } from '../catalog/catalog.js';
import type { BackupSummary, StatusType } from './medusa-proto.js';

/** A backup this server ran (sync or async), as long as the process lives: Medusa's BackupMan. */
export interface BackupRun {
  /** When the run was asked for. */
  requested: Date;
  running: boolean;
  /** Set when the run ended with an error. */
  error?: string;
}

/**
 * A cluster backup as Medusa summarises it: start and finish in epoch seconds (finish 0 and
 * IN_PROGRESS until every node of the tokenmap finished), the tokenmap's nodes, and the size and
 * object count of the node backups that finished.
 */
export function backupSummary(
  backup: ClusterBackupEntry,
  totals: { size: number; objects: number },
): BackupSummary {
  const finished = backup.complete ? (backup.finished ?? 0) : 0;
  return {
    backupName: backup.name,
    startTime: backup.started,
    finishTime: finished,
    totalNodes: Object.keys(backup.tokenMap).length,
    finishedNodes: backup.completedNodes.length,
    nodes: Object.entries(backup.tokenMap).map(([host, entry]) => ({
      host,
      tokens: entry.tokens,
      datacenter: entry.dc ?? '',
      rack: entry.rack ?? '',
    })),
    status: finished ? 'SUCCESS' : 'IN_PROGRESS',
    backupType: backup.differential ? 'differential' : 'full',
    totalSize: totals.size,
    totalObjects: totals.objects,
  };
}

/**
 * GetBackups' overallStatus: UNKNOWN with no backup; otherwise the worst of them, in Medusa's order
 * of precedence (UNKNOWN over FAILED over IN_PROGRESS over SUCCESS).
 */
export function overallStatus(backups: readonly { status: StatusType }[]): StatusType {
  if (backups.length === 0) return 'UNKNOWN';
  for (const status of ['UNKNOWN', 'FAILED', 'IN_PROGRESS'] as const)
    if (backups.some((b) => b.status === status)) return status;
  return 'SUCCESS';
}

/**
 * BackupStatus' status for this node's backup: a run of this server still going is IN_PROGRESS, one
 * that failed is FAILED; otherwise (Medusa's rule, also for backups this server did not run) the
 * backup is SUCCESS when this node finished it and FAILED when it did not.
 */
export function nodeBackupStatus(run: BackupRun | undefined, finished: boolean): StatusType {
  if (run?.running) return 'IN_PROGRESS';
  if (run?.error !== undefined) return 'FAILED';
  return finished ? 'SUCCESS' : 'FAILED';
}

/** BackupStatus' times: Python's datetime.fromtimestamp(t).strftime('%Y-%m-%d %H:%M:%S'), local time. */
export function statusTime(epochSeconds: number | undefined): string {
  if (!epochSeconds) return '';
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}
