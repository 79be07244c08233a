// MedusaRestoreJob: validate, map backed-up nodes to pods, stage the backup on every node while
// Cassandra runs (restore-prepare.ts; unless the job opts out), stop the datacenter, configure the
// medusa-restore init container with the restore key, start, and track every node's restore.
// On failure the restore configuration is removed and the datacenter started again.
import { randomUUID } from 'node:crypto';
import { expectedPods, findDatacenter, type Datacenter } from '../../lib/datacenter.js';
import { refreshAfterRestore } from './restore-refresh-secrets.js';
import { findObject, kubeTime, patchStatus, type MedusaObject } from '../../lib/medusa-api.js';
import { endConditions, setCondition, type Condition, type Context, type Timings } from '../context.js';
import type { Result } from '../loop.js';
import {
  awaitsFilterCheck,
  parseRestoreMapping,
  restoreFilterOf,
  stagesRestore,
  type RestoreConfiguration,
} from '../../lib/restore-contract.js';
import { applyWatchdog, type NodeReport } from './backupjob.js';
import {
  configureRestore,
  isReady,
  podsOf,
  rackOf,
  replicasBeforeRestore,
  startDatacenter,
  stopDatacenter,
} from './restore-datacenter.js';
import { prepareStep } from './restore-prepare.js';
import { computeMapping, type BackupNodeInfo } from './restore-mapping.js';

export { replicasAnnotation, restoreContainerEnv } from './restore-datacenter.js';

const plural = 'medusarestorejobs';

export async function reconcileRestoreJob(ctx: Context, namespace: string, name: string): Promise<Result> {
  const job = await findObject(ctx.kc, plural, namespace, name);
  if (!job || job.metadata.deletionTimestamp || job.status?.finishTime) return;
  const status = job.status ?? {};
  const now = ctx.now();
  const dcName = String(job.spec?.cassandraDatacenter ?? '');
  const backupName = String(job.spec?.backup ?? '');
  const dc = await findDatacenter(ctx, namespace, dcName);
  const update = (s: Record<string, unknown>) => patchStatus(ctx.kc, plural, namespace, name, s);

  if (!status.restoreKey) {
    const backup = await findObject(ctx.kc, 'medusabackups', namespace, backupName);
    const problem = !backup
      ? `backup ${backupName} not found in namespace ${namespace}`
      : backup.status?.status !== 'SUCCESS'
        ? `backup ${backupName} is ${String(backup.status?.status ?? 'not finished')}: only a complete backup can be restored`
        : !dc
          ? `datacenter ${dcName} not found in namespace ${namespace}`
          : filterProblem(job);
    if (problem) return fail(ctx, job, problem, undefined);
    await update({
      restoreKey: randomUUID(),
      startTime: kubeTime(now),
      conditions: cond(
        job,
        'Progressing',
        'True',
        'RestoreStarted',
        `restoring ${backupName} into ${dcName}`,
        now,
      ),
    });
    await ctx.events.event(
      job,
      'Normal',
      'RestoreStarted',
      `Restore of ${backupName} into ${dcName} started`,
    );
    return { requeueAfterMs: 0 };
  }
  if (!dc) return fail(ctx, job, `datacenter ${dcName} disappeared during the restore`, undefined);

  if (!status.restorePrepared) {
    const backup = await findObject(ctx.kc, 'medusabackups', namespace, backupName);
    const nodes = (backup?.status?.nodes as BackupNodeInfo[] | undefined) ?? [];
    const pods = expectedPods(replicasBeforeRestore(dc)).map((pod) => ({ name: pod, rack: rackOf(dc, pod) }));
    const explicit = job.spec?.hostMapping as { target: string; source: string }[] | undefined;
    const mapping = computeMapping(nodes, pods, {
      inPlace: String(backup?.spec?.cassandraDatacenter ?? '') === dcName,
      // Of a multi-datacenter backup, only the nodes of the target's datacenter (as admission counts).
      ...(new Set(nodes.map((n) => n.datacenter)).size > 1 ? { datacenter: dc.cassandraName } : {}),
      ...(explicit ? { explicit } : {}),
    });
    if (typeof mapping === 'string') return fail(ctx, job, mapping, undefined);
    await update({
      restoreMapping: mapping,
      restorePrepared: true,
      inProgress: Object.keys(mapping.host_map),
    });
    return { requeueAfterMs: 0 };
  }

  if (!status.datacenterStopped) {
    if (awaitsFilterCheck(job)) {
      // Every pod's sidecar checks the filter against its node's backup; nothing stops before all agree.
      const check = filterCheck(ctx, job, now);
      if (check === 'waiting') return { requeueAfterMs: ctx.timings.pollMs };
      if (check !== 'passed') return fail(ctx, job, check.message, undefined, check.reports);
    }
    // Staged: every node downloads and verifies while Cassandra runs; the stop waits for all of them.
    const prepared = await prepareStep(ctx, job, now);
    if (prepared === 'waiting') return { requeueAfterMs: ctx.timings.pollMs };
    if (prepared !== 'ready')
      return fail(ctx, job, prepared.message, undefined, prepared.reports, 'preparation');
    // The downtime counts from here: the first request to stop.
    if (!status.stopRequested) await update({ stopRequested: kubeTime(now) });
    await stopDatacenter(ctx, dc);
    const running = await podsOf(ctx, dc);
    if (running.length > 0) return { requeueAfterMs: ctx.timings.pollMs };
    await configureRestore(ctx, dc, restoreConfiguration(job));
    // The sidecars' filter checks are not the restore's progress: the init containers report afresh.
    await update({ datacenterStopped: kubeTime(now), progress: [] });
    await ctx.events.event(
      job,
      'Normal',
      'DatacenterStopped',
      `Datacenter ${dcName} stopped; starting it with the restore configured`,
    );
    await startDatacenter(ctx, dc);
    return { requeueAfterMs: ctx.timings.pollMs };
  }

  // Tracking: every pod's restore init container reports; the job ends when all succeeded and the
  // datacenter runs again, or when one failed.
  const pods = (status.inProgress as string[] | undefined) ?? [];
  const reports = applyWatchdog(
    pods,
    (status.progress as NodeReport[]) ?? [],
    new Date(String(status.datacenterStopped)),
    now,
    {
      agentStartTimeoutMs: ctx.timings.agentStartTimeoutMs * 3, // pods start one after another
      agentStaleAfterMs: ctx.timings.agentStaleAfterMs,
    },
  );
  const failed = reports.filter((r) => r.phase === 'Failed');
  if (failed.length) {
    return fail(
      ctx,
      job,
      `restore failed on ${failed.map((f) => `${f.node}: ${f.lastError ?? 'failed'}`).join('; ')}`,
      dc,
      reports,
    );
  }
  const ready = (await podsOf(ctx, dc)).filter(isReady).map((p) => p.metadata?.name);
  if (reports.every((r) => r.phase === 'Succeeded') && pods.every((p) => ready.includes(p))) {
    // From the recorded times (whole seconds), so that the three fields agree.
    const restarted = kubeTime(now);
    const since = Date.parse(String(status.stopRequested ?? status.datacenterStopped));
    const downtimeSeconds = Math.max(0, Math.round((Date.parse(restarted) - since) / 1000));
    const how = status.preparation ? 'staged while it ran' : 'downloaded while it was stopped';
    // The restored system_auth holds the backup's credentials: cass-operator applies them again.
    // Before finishTime, so that a controller restarted in between does it on its next pass.
    await refreshAfterRestore(ctx, job, dc, restarted);
    await update({
      finishTime: kubeTime(now),
      datacenterRestarted: restarted,
      downtimeSeconds,
      finished: pods,
      inProgress: [],
      conditions: endConditions(
        job.status?.conditions as Condition[] | undefined,
        'Complete',
        'RestoreSucceeded',
        `${pods.length} nodes restored from ${backupName} (${how}); ${dcName} is running after ${downtimeSeconds}s down`,
        now,
        'all nodes restored',
      ),
    });
    await ctx.events.event(
      job,
      'Normal',
      'RestoreSucceeded',
      `Restore of ${backupName} into ${dcName} finished: ${pods.length} nodes (${how}), datacenter running after ${downtimeSeconds}s down`,
    );
    return;
  }
  return { requeueAfterMs: ctx.timings.pollMs };
}

/** Why the job's filter or staged-restore annotation cannot be used, or undefined. */
function filterProblem(job: MedusaObject): string | undefined {
  try {
    restoreFilterOf(job.spec);
    stagesRestore(job);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The restore the init containers get, from the job and what the controller recorded in its status. */
export function restoreConfiguration(job: MedusaObject): RestoreConfiguration {
  const filter = restoreFilterOf(job.spec);
  return {
    key: String(job.status?.restoreKey),
    backup: String(job.spec?.backup ?? ''),
    job: job.metadata.name,
    mapping: parseRestoreMapping(job.status?.restoreMapping, 'status.restoreMapping'),
    ...(filter ? { filter } : {}),
  };
}

/**
 * The sidecars' filter checks: waiting, passed, or refused with the reasons (same reason on several
 * nodes said once) when a node found the filter naming what its backup does not hold, or never
 * answered.
 */
export function filterCheck(
  ctx: { timings: Pick<Timings, 'agentStartTimeoutMs' | 'agentStaleAfterMs' | 'pollMs'> },
  job: MedusaObject,
  now: Date,
): 'waiting' | 'passed' | { message: string; reports: NodeReport[] } {
  const pods = (job.status?.inProgress as string[] | undefined) ?? [];
  const progress = (job.status?.progress as NodeReport[] | undefined) ?? [];
  const reports = applyWatchdog(
    pods,
    progress,
    new Date(String(job.status?.startTime)),
    now,
    ctx.timings,
  ).map((r) =>
    r.phase === 'Failed' && !progress.some((p) => p.node === r.node)
      ? { ...r, lastError: `the medusa sidecar of ${r.node} never checked the filter: is the pod running?` }
      : r,
  );
  const failed = reports.filter((r) => r.phase === 'Failed');
  if (failed.length === 0) return reports.every((r) => r.phase === 'Succeeded') ? 'passed' : 'waiting';
  const byReason = new Map<string, string[]>();
  for (const r of failed) {
    const reason = r.lastError ?? 'failed';
    byReason.set(reason, [...(byReason.get(reason) ?? []), r.node]);
  }
  const reasons = [...byReason].map(([reason, nodes]) => `${reason} (${nodes.join(', ')})`);
  const dc = String(job.spec?.cassandraDatacenter ?? '');
  return {
    message: `refused before stopping ${dc}: ${reasons.join('; ')}`,
    reports,
  };
}

function cond(
  job: MedusaObject,
  type: string,
  s: 'True' | 'False',
  reason: string,
  message: string,
  now: Date,
): Condition[] {
  return setCondition(
    job.status?.conditions as Condition[] | undefined,
    { type, status: s, reason, message },
    now,
  );
}

async function fail(
  ctx: Context,
  job: MedusaObject,
  message: string,
  dc: Datacenter | undefined,
  reports?: NodeReport[],
  /** Where the nodes' reports go: a failed prepare's are staging reports, not restore progress. */
  reportsIn: 'progress' | 'preparation' = 'progress',
): Promise<Result> {
  const { namespace = '', name } = job.metadata;
  const now = ctx.now();
  if (dc && job.status?.datacenterStopped) {
    // Pods must come back with their own data: drop the restore configuration, then start.
    await configureRestore(ctx, dc, undefined);
    await startDatacenter(ctx, dc);
  }
  await patchStatus(ctx.kc, plural, namespace, name, {
    // status.restoreKey is required by the schema, even for a job refused before it started.
    restoreKey: String(job.status?.restoreKey ?? randomUUID()),
    finishTime: kubeTime(now),
    message,
    inProgress: [],
    ...(reports
      ? { failed: reports.filter((r) => r.phase === 'Failed').map((r) => r.node), [reportsIn]: reports }
      : { failed: [] }),
    conditions: endConditions(
      job.status?.conditions as Condition[] | undefined,
      'Failed',
      'RestoreFailed',
      message,
      now,
    ),
  });
  await ctx.events.event(job, 'Warning', 'RestoreFailed', message);
}
