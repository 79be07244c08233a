// kubectl medusa backup <datacenter>: creates a MedusaBackupJob, optionally waits for it.
import { stringify } from 'yaml';
import { configurationAnnotation } from '../../crds/binding.js';
import { findDatacenter } from '../../lib/datacenter.js';
import { kubernetesBackupNameProblem } from '../../lib/storage/repository/names.js';
import type { BackupArgs } from '../args.js';
import type { NodePlan } from '../../crds/index.js';
import { humanizeBytes } from '../../lib/units.js';
import { exitCodes, MedusaError } from '../errors.js';
import { colorStatus, type Io } from '../io.js';
import { renderTable } from '../printers/table.js';
import { explainApiError } from '../kube.js';
import { getResource, type MedusaResource } from '../resources.js';
import { nodesOf, type NodeProgress, type Observation } from '../wait.js';
import { createAndFollow } from './create-and-follow.js';
import { filterOf, formatOf, kubeFrom, list, manifest, printDryRun, timestampedName } from './common.js';

const jobs = 'medusabackupjobs';

/** How far a MedusaBackupJob is, from its status (k8ssandra's fields plus our per-node progress). */
export function observeJob(job: MedusaResource): Observation {
  const status = job.status ?? {};
  const failed = list(status.failed);
  const progress = (status.progress as NodeProgress[] | undefined) ?? [];
  const done = Boolean(status.finishTime);
  const phase = done ? (failed.length ? 'Failed' : 'Succeeded') : status.startTime ? 'Running' : 'Pending';
  const nodes = nodesOf(status);
  const failedCondition = (
    status.conditions as { type: string; status: string; message: string }[] | undefined
  )?.find((c) => c.type === 'Failed' && c.status === 'True');
  const firstError = progress.find((n) => n.lastError)?.lastError;
  const message = failedCondition?.message ?? firstError;
  return { phase, done, failed: failed.length > 0, nodes, ...(message ? { message } : {}) };
}

/** `--plan`: the job plans the backup (spec.dryRun) and the command shows the plan. */
export type BackupCommandArgs = BackupArgs & { plan?: boolean };

const yesNo = (value: boolean) => (value ? 'yes' : 'NO');

/** The plan of a finished dryRun job, one row per node, then totals and problems. */
export function renderPlan(plans: readonly NodePlan[]): string {
  const rows = [...plans]
    .sort((a, b) => a.node.localeCompare(b.node))
    .map((p) => [
      p.node,
      String(p.uploadFiles),
      humanizeBytes(p.uploadBytes),
      String(p.reusedFiles),
      humanizeBytes(p.reusedBytes),
      humanizeBytes(p.snapshotBytes),
      p.dataFreeBytes !== undefined ? humanizeBytes(p.dataFreeBytes) : '-',
      `${yesNo(p.storageReachable)}/${yesNo(p.storageWritable)}`,
    ]);
  const sum = (pick: (p: NodePlan) => number) => plans.reduce((total, p) => total + pick(p), 0);
  rows.push([
    'TOTAL',
    String(sum((p) => p.uploadFiles)),
    humanizeBytes(sum((p) => p.uploadBytes)),
    String(sum((p) => p.reusedFiles)),
    humanizeBytes(sum((p) => p.reusedBytes)),
    humanizeBytes(sum((p) => p.snapshotBytes)),
    '',
    '',
  ]);
  const table = renderTable(
    [
      'node',
      'upload files',
      'upload',
      'reused files',
      'reused',
      'snapshot',
      'data disk free',
      'storage read/write',
    ],
    rows,
  );
  const problems = plans.flatMap((p) => (p.problems ?? []).map((problem) => `  ${p.node}: ${problem}`));
  return problems.length ? `${table}\nProblems:\n${problems.join('\n')}` : table;
}

export async function createBackup(args: BackupCommandArgs, io: Io): Promise<number> {
  const kube = kubeFrom(args);
  const name = args.name ?? timestampedName(args.plan ? `${args.datacenter}-plan` : args.datacenter);
  // The job's name becomes the backup's name: refuse here what the webhook and the agent refuse.
  const problem = kubernetesBackupNameProblem(name);
  if (problem) {
    throw new MedusaError('MDS-BACKUP-E003', problem, {
      hint: args.name ? 'choose another --name' : 'pass a valid name with --name',
      exitCode: exitCodes.usage,
    });
  }
  const job = manifest('MedusaBackupJob', name, kube.namespace, {
    cassandraDatacenter: args.datacenter,
    backupType: args.type ?? 'differential',
    ...(filterOf(args) ? { filter: filterOf(args) } : {}),
    ...(args.plan ? { dryRun: true } : {}),
  });
  if (args.dryRun) {
    printDryRun(io, job, formatOf(args));
    return 0;
  }
  const dc = await findDatacenter(kube, kube.namespace, args.datacenter).catch((e: unknown) => {
    throw explainApiError(e, {
      verb: 'get',
      resource: 'statefulsets',
      namespace: kube.namespace,
      name: args.datacenter,
    });
  });
  if (!dc) {
    throw new MedusaError(
      'MDS-BACKUP-E001',
      `datacenter "${args.datacenter}" not found in namespace "${kube.namespace}"`,
      {
        hint: `no CassandraDatacenter or StatefulSet of that name; list them with: kubectl get cassandradatacenters,statefulsets -n ${kube.namespace}`,
      },
    );
  }
  if (!dc.annotations[configurationAnnotation]) {
    throw new MedusaError(
      'MDS-BACKUP-E002',
      `${dc.kind} "${dc.name}" is not bound to a MedusaConfiguration`,
      {
        hint: `annotate it: kubectl annotate ${dc.kind.toLowerCase()} ${dc.name} ${configurationAnnotation}=<configuration> -n ${kube.namespace}`,
      },
    );
  }
  const waited = await createAndFollow(io, kube, {
    plural: jobs,
    object: job,
    describeWith: 'backups',
    what: `backup ${name}`,
    observe: observeJob,
    // A plan is read when it is done: --plan always waits.
    wait: args.wait || args.plan,
    timeout: args.timeout,
  });
  if (!waited) return 0;
  const { object, exitCode } = waited;
  if (args.plan) return showPlan(io, object, exitCode, formatOf(args));
  const seen = observeJob(object);
  const backup = await getResource(kube, 'medusabackups', name).catch(() => undefined);
  const status = backup?.status ?? {};
  io.out(
    `Backup ${name}: ${colorStatus(io, String(status.status ?? seen.phase))}` +
      (status.totalSize ? `, ${String(status.totalSize)} in ${String(status.totalFiles ?? 0)} files` : '') +
      (status.totalNodes !== undefined
        ? ` from ${String(status.finishedNodes ?? 0)}/${String(status.totalNodes)} nodes`
        : ''),
  );
  if (seen.failed) {
    io.err(
      io.color.red(
        `Failed on: ${seen.nodes
          .filter((n) => n.phase === 'Failed')
          .map((n) => n.node)
          .join(', ')}`,
      ),
    );
    if (seen.message) io.err(io.color.red(seen.message));
  }
  io.err(io.color.dim(`Details: kubectl medusa backups describe ${name} -n ${kube.namespace}`));
  return exitCode;
}

function showPlan(io: Io, job: MedusaResource, exitCode: number, format: string): number {
  const plans = (job.status?.plan as NodePlan[] | undefined) ?? [];
  const seen = observeJob(job);
  if (format === 'json' || format === 'yaml') {
    io.out(format === 'json' ? JSON.stringify(plans, null, 2) : stringify(plans));
  } else {
    io.out(
      `Plan of a ${String(job.spec?.backupType ?? 'differential')} backup of ${String(job.spec?.cassandraDatacenter)} (nothing was uploaded):`,
    );
    io.out(renderPlan(plans));
  }
  if (seen.failed) {
    if (seen.message) io.err(io.color.red(seen.message));
    return exitCode || exitCodes.failed;
  }
  return plans.some((p) => (p.problems ?? []).length > 0) ? exitCodes.failed : exitCode;
}
