// The metrics cassandra-medusa's commands send to `[monitoring]` besides report-last-backup, with
// its tags, order and number types (backup_node.py, backup_cluster.py, purge.py, restore_cluster.py):
// on success the command's figures then `<...>-error` 0; on failure `<...>-error` 1 and the error.
import type { NodeContext } from './context.js';
import { monitoringOf, type MetricTags, type Monitoring } from './monitoring.js';

/** A figure of a successful run: tags, value, and whether Medusa sends it as a float. */
type Figure = readonly [MetricTags, number, boolean?];

export interface Metered<T> {
  /** The tags of the error flag (0 on success, 1 on failure). */
  error: MetricTags;
  /** The figures sent before the error flag when the action succeeds; `seconds` is its duration. */
  figures?: (result: T, seconds: number) => Figure[];
}

export async function metered<T>(
  monitoring: Monitoring,
  metrics: Metered<T>,
  action: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let result: T;
  try {
    result = await action();
  } catch (error) {
    await monitoring.send(metrics.error, 1);
    throw error;
  }
  for (const [tags, value, float] of metrics.figures?.(result, (Date.now() - started) / 1000) ?? [])
    await monitoring.send(tags, value, { float });
  await monitoring.send(metrics.error, 0);
  return result;
}

/**
 * Runs a command's action with Medusa's metrics. The provider is resolved first, so an unsupported
 * one refuses the command (exit 2) before it does anything.
 */
export function withMetrics<T>(ctx: NodeContext, metrics: Metered<T>, action: () => Promise<T>): Promise<T> {
  return metered(monitoringOf(ctx.config.monitoring), metrics, action);
}

/** backup / backup-node: duration (float seconds), size (manifest bytes), error. */
export const nodeBackupMetrics = (name: string): Metered<{ bytes: number; durationMs: number }> => ({
  error: ['medusa-node-backup', 'backup-error', name],
  figures: (result) => [
    [['medusa-node-backup', 'backup-duration', name], result.durationMs / 1000, true],
    [['medusa-node-backup', 'backup-size', name], result.bytes],
  ],
});

/** backup-cluster: duration (float seconds), error. */
export const clusterBackupMetrics = (name: string): Metered<unknown> => ({
  error: ['medusa-cluster-backup', 'cluster-backup-error', name],
  figures: (_, seconds) => [[['medusa-cluster-backup', 'cluster-backup-duration', name], seconds, true]],
});

/** restore-cluster: duration (float seconds), error. */
export const clusterRestoreMetrics = (name: string): Metered<unknown> => ({
  error: ['medusa-cluster-restore', 'restore-error', name],
  figures: (_, seconds) => [[['medusa-cluster-restore', 'restore-duration', name], seconds, true]],
});

/** purge: only the error flag, under Medusa's fixed name. */
export const purgeMetrics: Metered<unknown> = { error: ['medusa-node-backup', 'purge-error', 'PURGE-ERROR'] };

/** delete-backup: only the error flag, under Medusa's fixed name. */
export const deleteMetrics: Metered<unknown> = {
  error: ['medusa-node-backup', 'delete-error', 'DELETE-ERROR'],
};
