// The `medusa-restore` init container: restores this pod's node from the backup named by the
// restore the controller configured (k8ssandra's RESTORE_KEY, BACKUP_NAME, RESTORE_MAPPING, and
// RESTORE_FILTER: lib/restore-contract.ts), and reports on the MedusaRestoreJob (RESTORE_JOB).
// Without a restore key it does nothing. A backup a prepare_restore staged for the same key is moved
// into place; otherwise it is downloaded here, while the datacenter is stopped.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.js';
import { restoreEnv } from '../../lib/restore-contract.js';
import type { NodeContext } from '../cli/context.js';
import { restoreFromEnvironment } from '../restore/k8s-restore.js';
import type { PodIdentity } from './context.js';
import { createReporter, runningReport } from './reporter.js';

/** Resolves with the process exit code: non-zero keeps Cassandra from starting on bad data. */
export async function runRestoreInit(
  kc: KubeConfig,
  ctx: NodeContext,
  me: PodIdentity,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<number> {
  if (!env[restoreEnv.key] || !env[restoreEnv.backup]) {
    log.info('no restore configured; Cassandra starts with its own data');
    return 0;
  }
  const job = env[restoreEnv.job];
  const reporter = job
    ? createReporter(kc, { kind: 'MedusaRestoreJob', namespace: me.namespace, name: job, node: me.pod }, log)
    : undefined;
  try {
    const outcome = await restoreFromEnvironment(ctx, env, log, (p) => reporter?.update(runningReport(p)));
    log.info(outcome.message, { restored: outcome.restored, staged: outcome.staged ?? false });
    await reporter?.finish({
      phase: 'Succeeded',
      ...(outcome.result
        ? {
            filesDone: outcome.result.files,
            filesTotal: outcome.result.files,
            bytesDone: outcome.result.bytes,
            bytesTotal: outcome.result.bytes,
          }
        : {}),
    });
    return 0;
  } catch (error) {
    log.error('restore failed', { error });
    await reporter?.finish({ phase: 'Failed', lastError: (error as Error).message.slice(0, 4000) });
    return 1;
  }
}
