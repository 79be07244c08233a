// MedusaBackupJob: start the job for every pod of the datacenter, watch the agents' per-node
// reports, fail nodes whose agent went silent, and when all are done write the MedusaBackup.
import {
  createObject,
  findObject,
  getObject,
  patchStatus,
  type MedusaObject,
  kubeTime,
} from '../../lib/medusa-api.js';
import { kubernetesBackupNameProblem } from '../../lib/storage/repository/names.js';
import { humanizeBytes } from '../../lib/units.js';
import type { NodeProgressReport } from '../../lib/node-report.js';
import type { NodePlan } from '../../crds/index.js';
import { endConditions, setCondition, type Condition, type Context } from '../context.js';
import type { Result } from '../loop.js';
import { checkDatacenter } from './backupjob-wait.js';

/** An agent's entry in status.progress, as the controller reads it back (stamped by the API). */
export type NodeReport = NodeProgressReport & { lastUpdateTime?: string };

const terminal = (phase: string) => phase === 'Succeeded' || phase === 'Failed';

/** Marks nodes whose agent never reported, or stopped reporting, as Failed with the reason. */
export function applyWatchdog(
  pods: string[],
  reports: NodeReport[],
  startTime: Date,
  now: Date,
  timings: { agentStartTimeoutMs: number; agentStaleAfterMs: number },
): NodeReport[] {
  return pods.map((pod) => {
    const report = reports.find((r) => r.node === pod);
    if (!report) {
      return now.getTime() - startTime.getTime() > timings.agentStartTimeoutMs
        ? {
            node: pod,
            phase: 'Failed',
            lastError: `the agent of ${pod} never started the backup (${Math.round(timings.agentStartTimeoutMs / 1000)}s)`,
          }
        : { node: pod, phase: 'Pending' };
    }
    if (terminal(report.phase)) return report;
    const last = new Date(report.lastUpdateTime ?? startTime).getTime();
    if (now.getTime() - last > timings.agentStaleAfterMs) {
      return {
        ...report,
        phase: 'Failed',
        lastError: `the agent of ${pod} stopped reporting (last report ${Math.round((now.getTime() - last) / 1000)}s ago)`,
      };
    }
    return report;
  });
}

/** The MedusaBackup status k8ssandra-operator writes, from the nodes' reports. */
export function backupStatus(startTime: string, finishTime: string, reports: NodeReport[]) {
  const succeeded = reports.filter((r) => r.phase === 'Succeeded');
  const totalBytes = reports.reduce((sum, r) => sum + (r.bytesTotal ?? 0), 0);
  return {
    startTime,
    finishTime,
    totalNodes: reports.length,
    finishedNodes: succeeded.length,
    nodes: reports.map((r) => ({
      ...(r.host ? { host: r.host } : { host: r.node }),
      ...(r.tokens ? { tokens: r.tokens } : {}),
      ...(r.datacenter ? { datacenter: r.datacenter } : {}),
      ...(r.rack ? { rack: r.rack } : {}),
    })),
    totalFiles: reports.reduce((sum, r) => sum + (r.filesTotal ?? 0), 0),
    totalSize: humanizeBytes(totalBytes),
    status: succeeded.length === reports.length && reports.length > 0 ? 'SUCCESS' : 'FAILED',
  };
}

export async function reconcileBackupJob(ctx: Context, namespace: string, name: string): Promise<Result> {
  const job = await findObject(ctx.kc, 'medusabackupjobs', namespace, name);
  if (!job || job.metadata.deletionTimestamp) return;
  const status = job.status ?? {};
  const now = ctx.now();
  if (status.finishTime) {
    await ensureBackup(ctx, job);
    return;
  }
  const dcName = String(job.spec?.cassandraDatacenter ?? '');
  if (!status.startTime) {
    // Admission refuses such names; a job created while the webhook was away fails here, clearly.
    const nameProblem = kubernetesBackupNameProblem(name);
    if (nameProblem) {
      await finish(ctx, job, now, [], `metadata.name: ${nameProblem}`, 'InvalidName');
      return;
    }
    const verdict = await checkDatacenter(ctx, namespace, dcName);
    if (!verdict.ready) return waitForDatacenter(ctx, job, now, verdict.reason);
    const pods = verdict.pods;
    const plan = isPlan(job);
    await patchStatus(ctx.kc, 'medusabackupjobs', namespace, name, {
      startTime: kubeTime(now),
      inProgress: pods,
      conditions: setCondition(
        undefined,
        {
          type: 'Progressing',
          status: 'True',
          reason: plan ? 'PlanStarted' : 'BackupStarted',
          message: plan ? `planning the backup of ${pods.length} nodes` : `backing up ${pods.length} nodes`,
        },
        now,
      ),
    });
    await ctx.events.event(
      job,
      'Normal',
      plan ? 'PlanStarted' : 'BackupStarted',
      `${plan ? 'Plan of a backup' : 'Backup'} of ${dcName} started on ${pods.length} nodes: ${pods.join(', ')}`,
    );
    return { requeueAfterMs: ctx.timings.pollMs };
  }
  const pods = (status.inProgress as string[] | undefined)?.length
    ? (status.inProgress as string[])
    : [...((status.finished as string[]) ?? []), ...((status.failed as string[]) ?? [])];
  const reports = applyWatchdog(
    pods,
    (status.progress as NodeReport[]) ?? [],
    new Date(String(status.startTime)),
    now,
    ctx.timings,
  );
  for (const report of reports) {
    const before = ((status.progress as NodeReport[]) ?? []).find((r) => r.node === report.node);
    if (report.phase === 'Failed' && before?.phase !== 'Failed') {
      await ctx.events.event(
        job,
        'Warning',
        'NodeBackupFailed',
        `${report.node}: ${report.lastError ?? 'failed'}`,
      );
    }
  }
  if (reports.every((r) => terminal(r.phase))) {
    await finish(ctx, job, now, reports);
    return;
  }
  // Keep the watchdog's verdicts in status so users see them while others still run.
  const watchdogFailed = reports.filter(
    (r) =>
      r.phase === 'Failed' &&
      ((status.progress as NodeReport[]) ?? []).find((p) => p.node === r.node)?.phase !== 'Failed',
  );
  if (watchdogFailed.length) {
    await patchStatus(ctx.kc, 'medusabackupjobs', namespace, name, {
      progress: mergeReports((status.progress as NodeReport[]) ?? [], watchdogFailed),
    });
  }
  return { requeueAfterMs: ctx.timings.pollMs };
}

/**
 * The datacenter is not there yet (or its pods are not, or run without Medusa): say so in a
 * condition and an Event (each new reason once), and fail at the deadline counted from creation.
 */
async function waitForDatacenter(
  ctx: Context,
  job: MedusaObject,
  now: Date,
  reason: string,
): Promise<Result> {
  const { namespace = '', name } = job.metadata;
  const created = new Date(job.metadata.creationTimestamp ?? now).getTime();
  const waitedS = Math.round((now.getTime() - created) / 1000);
  if (now.getTime() - created > ctx.timings.datacenterWaitMs) {
    await finish(ctx, job, now, [], `${reason} (waited ${waitedS}s)`);
    return;
  }
  const conditions = job.status?.conditions as Condition[] | undefined;
  const previous = conditions?.find((c) => c.type === 'Progressing');
  if (previous?.reason !== 'WaitingForDatacenter' || previous.message !== reason) {
    const deadline = Math.round(ctx.timings.datacenterWaitMs / 1000);
    await patchStatus(ctx.kc, 'medusabackupjobs', namespace, name, {
      conditions: setCondition(
        conditions,
        { type: 'Progressing', status: 'False', reason: 'WaitingForDatacenter', message: reason },
        now,
      ),
    });
    await ctx.events.event(
      job,
      'Warning',
      'WaitingForDatacenter',
      `${reason}; the backup starts when they are, or fails ${deadline}s after the job was created`,
    );
  }
  return { requeueAfterMs: ctx.timings.pollMs };
}

/** spec.dryRun: the job plans a backup (status.plan) and creates no MedusaBackup. */
const isPlan = (job: MedusaObject): boolean => job.spec?.dryRun === true;

/** One line about a finished plan, from the agents' status.plan entries. */
export function planSummary(plans: NodePlan[]): { ready: boolean; message: string } {
  const sum = (pick: (p: NodePlan) => number) => plans.reduce((total, p) => total + pick(p), 0);
  const problems = plans.flatMap((p) => (p.problems ?? []).map((problem) => `${p.node}: ${problem}`));
  const message =
    `plan: ${plans.length} nodes would upload ${sum((p) => p.uploadFiles)} files (${humanizeBytes(sum((p) => p.uploadBytes))}) ` +
    `and reuse ${sum((p) => p.reusedFiles)} (${humanizeBytes(sum((p) => p.reusedBytes))})` +
    (problems.length ? `; problems: ${problems.join('; ')}` : '; nothing in storage was written');
  return { ready: problems.length === 0, message: message.slice(0, 32_000) };
}

function mergeReports(existing: NodeReport[], updates: NodeReport[]): NodeReport[] {
  const byNode = new Map(existing.map((r) => [r.node, r]));
  for (const u of updates) byNode.set(u.node, u);
  return [...byNode.values()];
}

async function finish(
  ctx: Context,
  job: MedusaObject,
  now: Date,
  reports: NodeReport[],
  error?: string,
  errorReason = 'DatacenterUnavailable',
): Promise<void> {
  const { namespace = '', name } = job.metadata;
  const failed = reports.filter((r) => r.phase !== 'Succeeded').map((r) => r.node);
  const finished = reports.filter((r) => r.phase === 'Succeeded').map((r) => r.node);
  const ok = !error && failed.length === 0 && finished.length > 0;
  const plan =
    isPlan(job) && ok ? planSummary((job.status?.plan as NodePlan[] | undefined) ?? []) : undefined;
  const reason = error
    ? errorReason
    : plan
      ? plan.ready
        ? 'PlanReady'
        : 'PlanHasProblems'
      : ok
        ? 'BackupSucceeded'
        : isPlan(job)
          ? 'PlanFailed'
          : 'BackupFailed';
  const message =
    error ??
    plan?.message ??
    (ok
      ? `all ${finished.length} nodes backed up`
      : `failed on ${failed.join(', ')}: ${reports
          .filter((r) => r.lastError)
          .map((r) => `${r.node}: ${r.lastError}`)
          .join('; ')}`);
  const conditions = endConditions(
    job.status?.conditions as Condition[] | undefined,
    ok ? 'Complete' : 'Failed',
    reason,
    message,
    now,
  );
  await patchStatus(ctx.kc, 'medusabackupjobs', namespace, name, {
    ...(job.status?.startTime ? {} : { startTime: kubeTime(now) }),
    finishTime: kubeTime(now),
    inProgress: [],
    finished,
    failed: error ? ['datacenter'] : failed,
    ...(reports.length
      ? { progress: mergeReports((job.status?.progress as NodeReport[]) ?? [], reports) }
      : {}),
    conditions,
  });
  await ctx.events.event(job, ok ? 'Normal' : 'Warning', reason, message);
  await ensureBackup(ctx, await getObject(ctx.kc, 'medusabackupjobs', namespace, name));
}

/**
 * Creates the MedusaBackup of a job that succeeded on every node (same name), once. As in
 * k8ssandra-operator, a failed job leaves none: users count MedusaBackups as restorable. A plan
 * (dryRun) has none either.
 */
async function ensureBackup(ctx: Context, job: MedusaObject): Promise<void> {
  if (isPlan(job)) return;
  const { namespace = '', name } = job.metadata;
  const status = job.status ?? {};
  const reports = (status.progress as NodeReport[] | undefined) ?? [];
  const succeeded =
    ((status.failed as string[] | undefined) ?? []).length === 0 &&
    ((status.finished as string[] | undefined) ?? []).length > 0;
  if (!succeeded) return;
  if (await findObject(ctx.kc, 'medusabackups', namespace, name)) return;
  await createObject(ctx.kc, 'medusabackups', namespace, {
    apiVersion: 'medusa.k8ssandra.io/v1alpha1',
    kind: 'MedusaBackup',
    metadata: {
      name,
      namespace,
      labels: { ...(job.metadata.labels ?? {}), 'medusa.k8ssandra.io/backup-job': name },
    },
    spec: {
      cassandraDatacenter: job.spec?.cassandraDatacenter,
      backupType: job.spec?.backupType ?? 'differential',
    },
  });
  await patchStatus(
    ctx.kc,
    'medusabackups',
    namespace,
    name,
    backupStatus(String(status.startTime), String(status.finishTime), reports),
  );
}
