// The first phase of a staged MedusaRestoreJob, before the datacenter stops: a prepare_restore
// MedusaTask (owned by the job) has every pod's sidecar stage and verify its node's backup while
// Cassandra runs. The job goes on to stop the datacenter only once every node is done; a node whose
// sidecar found it could not stage (no room, a missing or corrupt object) fails the job with the
// datacenter untouched. A node whose sidecar never answered (its pod not running) is no reason to
// refuse: it downloads while the datacenter is stopped, as k8ssandra's restore does.
// lib/restore-contract.ts says which jobs stage.
import { apiVersion } from '../../crds/common.js';
import { createObject, findObject, kubeTime, patchStatus, type MedusaObject } from '../../lib/medusa-api.js';
import { prepareTaskName, stagesRestore } from '../../lib/restore-contract.js';
import { humanizeBytes } from '../../lib/units.js';
import type { Context } from '../context.js';
import type { NodeReport } from './backupjob.js';

export type PrepareState = 'ready' | 'waiting' | { message: string; reports?: NodeReport[] };

export async function prepareStep(ctx: Context, job: MedusaObject, now: Date): Promise<PrepareState> {
  const status = job.status ?? {};
  if (!stagesRestore(job) || status.prepared) return 'ready';
  const { namespace = '', name: jobName } = job.metadata;
  const dcName = String(job.spec?.cassandraDatacenter ?? '');
  const name = prepareTaskName(jobName);
  const task = await findObject(ctx.kc, 'medusatasks', namespace, name);
  if (!task) {
    await createObject(ctx.kc, 'medusatasks', namespace, {
      apiVersion,
      kind: 'MedusaTask',
      metadata: {
        name,
        namespace,
        labels: { 'medusa.k8ssandra.io/restore-job': jobName },
        // Deleted with the job.
        ownerReferences: [
          { apiVersion, kind: 'MedusaRestoreJob', name: jobName, uid: job.metadata.uid!, controller: true },
        ],
      },
      spec: {
        operation: 'prepare_restore',
        cassandraDatacenter: dcName,
        backupName: String(job.spec?.backup ?? ''),
        restoreKey: String(status.restoreKey),
      },
    });
    await patchStatus(ctx.kc, 'medusarestorejobs', namespace, jobName, { prepareTask: name });
    await ctx.events.event(
      job,
      'Normal',
      'PreparingRestore',
      `Staging ${String(job.spec?.backup)} on every node of ${dcName} while it runs (MedusaTask ${name})`,
    );
    return 'waiting';
  }
  if (task.spec?.restoreKey !== status.restoreKey)
    return { message: `MedusaTask ${name} exists and prepares another restore: delete it or rename the job` };
  if (!task.status?.finishTime) return 'waiting';
  const reports = (task.status.progress as NodeReport[] | undefined) ?? [];
  const outcome = prepareOutcome(dcName, reports, task.status.conditions as { message?: string }[]);
  if ('message' in outcome) return outcome;
  await patchStatus(ctx.kc, 'medusarestorejobs', namespace, jobName, {
    preparation: reports,
    prepared: kubeTime(now),
  });
  await ctx.events.event(job, 'Normal', 'RestorePrepared', outcome.summary);
  return 'ready';
}

/**
 * What the prepare's per-node reports mean for the restore: refused (a node's sidecar found it could
 * not stage, or no node took part), or go on, with a summary. A sidecar that never reported (its pod
 * not running) is no reason to refuse: the watchdog's entry for it has no lastUpdateTime (agents
 * stamp theirs), and that node downloads while the datacenter is stopped, as k8ssandra's does.
 */
export function prepareOutcome(
  dcName: string,
  reports: NodeReport[],
  conditions: { message?: string }[] = [],
): { summary: string; silent: string[] } | { message: string; reports: NodeReport[] } {
  const silent = reports.filter((r) => r.phase === 'Failed' && !r.lastUpdateTime).map((r) => r.node);
  const failed = reports.filter((r) => r.phase !== 'Succeeded' && !silent.includes(r.node));
  if (failed.length || reports.length === 0) {
    const reasons = failed.length
      ? failed.map((r) => `${r.node}: ${r.lastError ?? 'failed'}`).join('; ')
      : (conditions.at(-1)?.message ?? 'no node prepared');
    return { message: `staging failed, ${dcName} was not stopped: ${reasons}`, reports: failed };
  }
  const bytes = reports
    .filter((r) => r.phase === 'Succeeded')
    .reduce((sum, r) => sum + (r.bytesTotal ?? 0), 0);
  const unstaged = silent.length
    ? `; ${silent.join(', ')} never answered and will download while stopped`
    : '';
  return {
    silent,
    summary: `${reports.length - silent.length} of ${reports.length} nodes of ${dcName} staged and verified their backup (${humanizeBytes(bytes)} in all)${unstaged}; stopping the datacenter`,
  };
}
