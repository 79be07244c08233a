// MedusaBackupSchedule: on each due cron time create a MedusaBackupJob (or a purge MedusaTask)
// named <schedule>-<unix seconds>, honouring disabled and concurrencyPolicy.
import {
  createObject,
  deleteObject,
  findObject,
  listObjects,
  patchStatus,
  type MedusaObject,
  kubeTime,
} from '../../lib/medusa-api.js';
import { lastDueRun, nextRuns, parseSchedule } from '../../lib/schedule.js';
import { setCondition, type Condition, type Context } from '../context.js';
import type { Result } from '../loop.js';

export const scheduleLabel = 'medusa.k8ssandra.io/schedule';

export async function reconcileSchedule(ctx: Context, namespace: string, name: string): Promise<Result> {
  const schedule = await findObject(ctx.kc, 'medusabackupschedules', namespace, name);
  if (!schedule || schedule.metadata.deletionTimestamp) return;
  const spec = schedule.spec ?? {};
  const now = ctx.now();
  const cron = String(spec.cronSchedule ?? '');
  const timeZone = spec.timeZone ? String(spec.timeZone) : undefined;
  // The one parser the webhook admitted the schedule with (lib/schedule.ts).
  try {
    parseSchedule(cron, timeZone);
  } catch (error) {
    await patchStatus(ctx.kc, 'medusabackupschedules', namespace, name, {
      conditions: setCondition(
        schedule.status?.conditions as Condition[] | undefined,
        { type: 'Ready', status: 'False', reason: 'InvalidSchedule', message: (error as Error).message },
        now,
      ),
    });
    return;
  }
  // Runs are counted from the last execution, or from creation: a new schedule does not backfill.
  const since = new Date(
    String(schedule.status?.lastExecution ?? schedule.metadata.creationTimestamp ?? kubeTime(now)),
  );
  const due = lastDueRun(cron, since, now, timeZone);
  // As in k8ssandra-operator, a disabled schedule still advances lastExecution and nextSchedule,
  // creating nothing: enabling it again does not start a run for a slot that passed while off.
  const outcome = due && !spec.disabled ? await run(ctx, schedule, due) : undefined;
  if (due && outcome && typeof outcome === 'object') {
    // concurrencyPolicy Forbid with a job still running: the run is postponed, not dropped
    // (k8ssandra-operator): lastExecution stays, and the run starts once the active job ends.
    const message = `the ${kubeTime(due)} run waits for ${outcome.blockedBy.join(', ')} (concurrencyPolicy Forbid)`;
    const before = (schedule.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
    if (before?.reason !== 'RunPostponed' || before.message !== message) {
      await patchStatus(ctx.kc, 'medusabackupschedules', namespace, name, {
        conditions: setCondition(
          schedule.status?.conditions as Condition[] | undefined,
          { type: 'Ready', status: 'True', reason: 'RunPostponed', message },
          now,
        ),
      });
      await ctx.events.event(schedule, 'Normal', 'RunPostponed', message);
    }
    return { requeueAfterMs: Math.min(ctx.timings.pollMs, 60_000) };
  }
  // After the last run (or creation): for @every the next run counts from there, as in robfig/cron.
  const next = nextRuns(cron, { from: due ?? since, ...(timeZone ? { timeZone } : {}) })[0];
  const status: Record<string, unknown> = {
    nextSchedule: (next ? kubeTime(next) : undefined) ?? null,
    conditions: setCondition(
      schedule.status?.conditions as Condition[] | undefined,
      {
        type: 'Ready',
        status: 'True',
        reason: spec.disabled ? 'Disabled' : 'Scheduled',
        message: spec.disabled
          ? 'disabled: no runs are started'
          : `next run ${(next ? kubeTime(next) : undefined) ?? 'never'}`,
      },
      now,
    ),
  };
  if (due) status.lastExecution = kubeTime(due);
  await patchStatus(ctx.kc, 'medusabackupschedules', namespace, name, status);
  // Wake up at the next run (capped, so clock or config changes are picked up).
  return {
    requeueAfterMs: next ? Math.min(Math.max(next.getTime() - ctx.now().getTime(), 250), 60_000) : 60_000,
  };
}

/** Starts the run of due; with concurrencyPolicy Forbid and active runs, says which block it. */
async function run(
  ctx: Context,
  schedule: MedusaObject,
  due: Date,
): Promise<'started' | { blockedBy: string[] }> {
  const { namespace = '', name } = schedule.metadata;
  const spec = schedule.spec ?? {};
  const purge = spec.operationType === 'purge';
  const plural = purge ? 'medusatasks' : 'medusabackupjobs';
  const backupSpec = (spec.backupSpec ?? {}) as Record<string, unknown>;
  const child = `${name}-${Math.floor(due.getTime() / 1000)}`;
  if (await findObject(ctx.kc, plural, namespace, child)) return 'started'; // already created for this run
  const active = (await listObjects(ctx.kc, plural, namespace, `${scheduleLabel}=${name}`)).filter(
    (o) => !o.status?.finishTime,
  );
  const policy = String(spec.concurrencyPolicy ?? 'Forbid');
  if (active.length && policy === 'Forbid') return { blockedBy: active.map((a) => a.metadata.name) };
  if (active.length && policy === 'Replace') {
    for (const a of active) await deleteObject(ctx.kc, plural, namespace, a.metadata.name);
    await ctx.events.event(
      schedule,
      'Normal',
      'RunReplaced',
      `replaced ${active.map((a) => a.metadata.name).join(', ')} (concurrencyPolicy Replace)`,
    );
  }
  const owner = {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaBackupSchedule',
    name,
    uid: schedule.metadata.uid ?? '',
  };
  await createObject(ctx.kc, plural, namespace, {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: purge ? 'MedusaTask' : 'MedusaBackupJob',
    metadata: {
      name: child,
      namespace,
      labels: { [scheduleLabel]: name },
      ...(purge ? { ownerReferences: [owner] } : {}),
    },
    spec: purge
      ? { operation: 'purge', cassandraDatacenter: backupSpec.cassandraDatacenter }
      : { ...backupSpec },
  });
  await ctx.events.event(
    schedule,
    'Normal',
    'RunStarted',
    `created ${purge ? 'MedusaTask' : 'MedusaBackupJob'} ${child} for the ${kubeTime(due)} run`,
  );
  return 'started';
}
