// MedusaRestoreJob: validate, map backed-up nodes to pods, stop the datacenter, configure the
// medusa-restore init container with the restore key, start, and track every node's restore.
// On failure the restore configuration is removed and the datacenter started again.
import type * as k8s from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { cassOperator, expectedPods, findDatacenter, type Datacenter } from '../../lib/datacenter.js';
import { kubeRequest } from '../../lib/kube-request.js';
import { findObject, kubeTime, patchStatus, type MedusaObject } from '../../lib/medusa-api.js';
import { endConditions, setCondition, type Condition, type Context } from '../context.js';
import type { Result } from '../loop.js';
import {
  awaitsFilterCheck,
  parseRestoreMapping,
  restoreEnvironment,
  restoreEnvNames,
  restoreFilterOf,
  restoreInitContainer,
  type RestoreConfiguration,
} from '../../lib/restore-contract.js';
import { applyWatchdog, type NodeReport } from './backupjob.js';
import { computeMapping, type BackupNodeInfo } from './restore-mapping.js';

const plural = 'medusarestorejobs';
/** Replica count of a plain StatefulSet before the restore stopped it. */
export const replicasAnnotation = 'medusa.k8ssandra.io/replicas-before-restore';

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
    await update({
      finishTime: kubeTime(now),
      finished: pods,
      inProgress: [],
      conditions: endConditions(
        job.status?.conditions as Condition[] | undefined,
        'Complete',
        'RestoreSucceeded',
        `${pods.length} nodes restored from ${backupName}; ${dcName} is running`,
        now,
        'all nodes restored',
      ),
    });
    await ctx.events.event(
      job,
      'Normal',
      'RestoreSucceeded',
      `Restore of ${backupName} into ${dcName} finished: ${pods.length} nodes, datacenter running`,
    );
    return;
  }
  return { requeueAfterMs: ctx.timings.pollMs };
}

/** Why the job's filter cannot be used (invalid entries), or undefined. */
function filterProblem(job: MedusaObject): string | undefined {
  try {
    restoreFilterOf(job.spec);
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
  ctx: Pick<Context, 'timings'>,
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
      ? { failed: reports.filter((r) => r.phase === 'Failed').map((r) => r.node), progress: reports }
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

/** The datacenter as it was before the restore scaled it down (replica counts restored). */
function replicasBeforeRestore(dc: Datacenter): Datacenter {
  return {
    ...dc,
    statefulSets: dc.statefulSets.map((sts) => {
      const before = sts.metadata?.annotations?.[replicasAnnotation];
      return before && sts.spec ? { ...sts, spec: { ...sts.spec, replicas: Number(before) } } : sts;
    }),
  };
}

function rackOf(dc: Datacenter, pod: string): string {
  const sts = dc.statefulSets.find((s) => pod.startsWith(`${s.metadata?.name ?? ''}-`));
  return sts?.metadata?.labels?.['cassandra.datastax.com/rack'] ?? '';
}

const podsOf = async (ctx: Context, dc: Datacenter): Promise<k8s.V1Pod[]> =>
  (
    await ctx.core.listNamespacedPod({
      namespace: dc.namespace,
      ...(dc.podSelector ? { labelSelector: dc.podSelector } : {}),
    })
  ).items;

const isReady = (pod: k8s.V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function stopDatacenter(ctx: Context, dc: Datacenter): Promise<void> {
  if (dc.kind === 'CassandraDatacenter') {
    if (!dc.stopped) await patchCassDc(ctx, dc, { spec: { stopped: true } });
    return;
  }
  for (const sts of await freshStatefulSets(ctx, dc)) {
    const replicas = sts.spec?.replicas ?? 0;
    if (replicas === 0) continue;
    await kubeRequest(
      ctx.kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${dc.namespace}/statefulsets/${sts.metadata?.name}`,
      {
        metadata: { annotations: { [replicasAnnotation]: String(replicas) } },
        spec: { replicas: 0 },
      },
      { patchType: 'merge' },
    );
  }
}

async function startDatacenter(ctx: Context, dc: Datacenter): Promise<void> {
  if (dc.kind === 'CassandraDatacenter') {
    await patchCassDc(ctx, dc, { spec: { stopped: false } });
    return;
  }
  for (const sts of await freshStatefulSets(ctx, dc)) {
    const before = sts.metadata?.annotations?.[replicasAnnotation];
    if (before === undefined) continue;
    await kubeRequest(
      ctx.kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${dc.namespace}/statefulsets/${sts.metadata?.name}`,
      {
        metadata: { annotations: { [replicasAnnotation]: null } },
        spec: { replicas: Number(before) },
      },
      { patchType: 'merge' },
    );
  }
}

/** The datacenter's StatefulSets as they are now (a reconcile may have changed them since it read). */
const freshStatefulSets = (ctx: Context, dc: Datacenter) =>
  Promise.all(
    dc.statefulSets.map((sts) =>
      ctx.apps.readNamespacedStatefulSet({ name: sts.metadata?.name ?? '', namespace: dc.namespace }),
    ),
  );

const patchCassDc = (ctx: Context, dc: Datacenter, patch: Record<string, unknown>) =>
  kubeRequest(
    ctx.kc,
    'PATCH',
    `/apis/${cassOperator.group}/${cassOperator.version}/namespaces/${dc.namespace}/${cassOperator.plural}/${dc.name}`,
    patch,
    { patchType: 'merge' },
  );

/**
 * Sets (or, with undefined, removes) the restore env of the medusa-restore init container in the
 * pod template of every StatefulSet of the datacenter. cass-operator datacenters get it through
 * spec.podTemplateSpec, which cass-operator merges into its StatefulSets by container name.
 */
async function configureRestore(
  ctx: Context,
  dc: Datacenter,
  restore: RestoreConfiguration | undefined,
): Promise<void> {
  const withEnv = (env: k8s.V1EnvVar[] | undefined) => restoreContainerEnv(env, restore);
  if (dc.kind === 'CassandraDatacenter') {
    const cassdc = (await kubeRequest(
      ctx.kc,
      'GET',
      `/apis/${cassOperator.group}/${cassOperator.version}/namespaces/${dc.namespace}/${cassOperator.plural}/${dc.name}`,
    )) as {
      spec?: { podTemplateSpec?: { spec?: { initContainers?: k8s.V1Container[] } } };
    };
    const inits = cassdc.spec?.podTemplateSpec?.spec?.initContainers ?? [];
    const others = inits.filter((c) => c.name !== restoreInitContainer);
    const current = inits.find((c) => c.name === restoreInitContainer);
    await patchCassDc(ctx, dc, {
      spec: {
        podTemplateSpec: {
          spec: {
            initContainers: [
              ...others,
              { ...(current ?? { name: restoreInitContainer }), env: withEnv(current?.env) },
            ],
          },
        },
      },
    });
    return;
  }
  for (const sts of dc.statefulSets) {
    const fresh = await ctx.apps.readNamespacedStatefulSet({
      name: sts.metadata?.name ?? '',
      namespace: dc.namespace,
    });
    const inits = fresh.spec?.template.spec?.initContainers ?? [];
    const index = inits.findIndex((c) => c.name === restoreInitContainer);
    if (index < 0) continue; // not injected: nothing can restore here (validated by the webhook)
    await kubeRequest(
      ctx.kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${dc.namespace}/statefulsets/${fresh.metadata?.name}`,
      [
        { op: 'test', path: `/spec/template/spec/initContainers/${index}/name`, value: restoreInitContainer },
        {
          op: 'replace',
          path: `/spec/template/spec/initContainers/${index}/env`,
          value: withEnv(inits[index]?.env),
        },
      ],
      { patchType: 'json' },
    );
  }
}

/** The init container's env with the restore set (or, with undefined, every restore variable removed). */
export function restoreContainerEnv(
  env: k8s.V1EnvVar[] | undefined,
  restore: RestoreConfiguration | undefined,
): k8s.V1EnvVar[] {
  return [
    ...(env ?? []).filter((e) => !restoreEnvNames.includes(e.name)),
    ...(restore ? restoreEnvironment(restore) : []),
  ];
}
