// MedusaTask: purge and prepare_restore (every node), verify and sync (one node) are done by the
// agents, which report
// per node; the controller starts the task, watches the reports and writes k8ssandra's results.
// A successful purge is followed by a sync task, as in k8ssandra-operator.
import { expectedPods, findDatacenter } from '../../lib/datacenter.js';
import { createObject, findObject, kubeTime, patchStatus, type MedusaObject } from '../../lib/medusa-api.js';
import { endConditions, setCondition, type Condition, type Context } from '../context.js';
import type { Result } from '../loop.js';
import { applyWatchdog, type NodeReport } from './backupjob.js';

const plural = 'medusatasks';

/** Operations the agents run on every node; the others run on the datacenter's first pod. */
const everyNode = new Set(['purge', 'prepare_restore']);

export async function reconcileTask(ctx: Context, namespace: string, name: string): Promise<Result> {
  const task = await findObject(ctx.kc, plural, namespace, name);
  if (!task || task.metadata.deletionTimestamp || task.status?.finishTime) return;
  const status = task.status ?? {};
  const now = ctx.now();
  const operation = String(task.spec?.operation ?? '');
  const dcName = String(task.spec?.cassandraDatacenter ?? '');
  if (!status.startTime) {
    const dc = await findDatacenter(ctx, namespace, dcName);
    const pods = dc ? expectedPods(dc) : [];
    if (!dc || pods.length === 0) {
      return finish(
        ctx,
        task,
        now,
        [],
        dc ? `datacenter ${dcName} has no pods` : `datacenter ${dcName} not found in namespace ${namespace}`,
      );
    }
    const targets = everyNode.has(operation) ? pods : pods.slice(0, 1);
    await patchStatus(ctx.kc, plural, namespace, name, {
      startTime: kubeTime(now),
      inProgress: targets,
      conditions: setCondition(
        undefined,
        {
          type: 'Progressing',
          status: 'True',
          reason: 'TaskStarted',
          message: `${operation} on ${targets.join(', ')}`,
        },
        now,
      ),
    });
    await ctx.events.event(task, 'Normal', 'TaskStarted', `${operation} started on ${targets.join(', ')}`);
    return { requeueAfterMs: ctx.timings.pollMs };
  }
  const targets = (status.inProgress as string[] | undefined) ?? [];
  const reports = applyWatchdog(
    targets,
    (status.progress as NodeReport[]) ?? [],
    new Date(String(status.startTime)),
    now,
    ctx.timings,
  );
  if (reports.every((r) => r.phase === 'Succeeded' || r.phase === 'Failed'))
    return finish(ctx, task, now, reports);
  return { requeueAfterMs: ctx.timings.pollMs };
}

async function finish(
  ctx: Context,
  task: MedusaObject,
  now: Date,
  reports: NodeReport[],
  error?: string,
): Promise<Result> {
  const { namespace = '', name } = task.metadata;
  const operation = String(task.spec?.operation ?? '');
  const failed = reports.filter((r) => r.phase !== 'Succeeded');
  const ok = !error && failed.length === 0 && reports.length > 0;
  const message =
    error ??
    (ok
      ? `${operation} done on ${reports.map((r) => r.node).join(', ')}`
      : failed.map((r) => `${r.node}: ${r.lastError ?? 'failed'}`).join('; '));
  const reason = ok ? 'TaskSucceeded' : 'TaskFailed';
  const conditions = endConditions(
    task.status?.conditions as Condition[] | undefined,
    ok ? 'Complete' : 'Failed',
    reason,
    message,
    now,
  );
  await patchStatus(ctx.kc, plural, namespace, name, {
    ...(task.status?.startTime ? {} : { startTime: kubeTime(now) }),
    finishTime: kubeTime(now),
    inProgress: [],
    finished: reports
      .filter((r) => r.phase === 'Succeeded')
      .map((r) => ({
        podName: r.node,
        ...(operation === 'purge'
          ? {
              nbBackupsPurged: r.nbBackupsPurged ?? 0,
              nbObjectsPurged: r.nbObjectsPurged ?? 0,
              totalPurgedSize: r.totalPurgedSize ?? 0,
              totalObjectsWithinGcGrace: r.totalObjectsWithinGcGrace ?? 0,
            }
          : {}),
      })),
    failed: failed.map((r) => r.node),
    ...(reports.length ? { progress: reports } : {}),
    conditions,
  });
  await ctx.events.event(task, ok ? 'Normal' : 'Warning', reason, message);
  if (ok && operation === 'purge') {
    // Purged backups must disappear from the cluster too.
    const sync = `${name}-sync`.slice(0, 253);
    if (!(await findObject(ctx.kc, plural, namespace, sync))) {
      await createObject(ctx.kc, plural, namespace, {
        apiVersion: 'medusa.k8ssandra.io/v1alpha1',
        kind: 'MedusaTask',
        // The purge task's labels carry over, as in k8ssandra-operator (#1336).
        metadata: {
          name: sync,
          namespace,
          labels: { ...(task.metadata.labels ?? {}), 'medusa.k8ssandra.io/after-purge': name },
        },
        spec: { operation: 'sync', cassandraDatacenter: task.spec?.cassandraDatacenter },
      });
    }
  }
}
