// kubectl medusa backup <datacenter>: creates a MedusaBackupJob, optionally waits for it.
import { configurationAnnotation } from '../../crds/binding.js';
import { findDatacenter } from '../../lib/datacenter.js';
import { kubernetesBackupNameProblem } from '../../lib/storage/repository/names.js';
import type { BackupArgs } from '../args.js';
import { exitCodes, MedusaError } from '../errors.js';
import { colorStatus, type Io } from '../io.js';
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

export async function createBackup(args: BackupArgs, io: Io): Promise<number> {
  const kube = kubeFrom(args);
  const name = args.name ?? timestampedName(args.datacenter);
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
    wait: args.wait,
    timeout: args.timeout,
  });
  if (!waited) return 0;
  const { object, exitCode } = waited;
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
