// kubectl medusa restore --backup <name>: creates a MedusaRestoreJob, optionally waits for it.
import type { RestoreArgs } from '../args.js';
import { MedusaError } from '../errors.js';
import { colorStatus, type Io } from '../io.js';
import { getResource, type MedusaResource } from '../resources.js';
import { nodesOf, type Observation } from '../wait.js';
import { awaitsFilterCheck, stagedRestoreAnnotation, stagesRestore } from '../../lib/restore-contract.js';
import { createAndFollow } from './create-and-follow.js';
import { filterOf, formatOf, kubeFrom, list, manifest, printDryRun, timestampedName } from './common.js';

const restores = 'medusarestorejobs';

/** Whether the job stages the backup before the stop (an invalid annotation: the controller refuses it). */
function staged(job: MedusaResource): boolean {
  try {
    return stagesRestore(job);
  } catch {
    return false;
  }
}

export function observeRestore(job: MedusaResource): Observation {
  const status = job.status ?? {};
  const failed = list(status.failed);
  const message = status.message as string | undefined;
  const done = Boolean(status.finishTime);
  const isFailed = failed.length > 0 || Boolean(message && done);
  let phase = 'Pending';
  if (done) phase = isFailed ? 'Failed' : 'Succeeded';
  else if (status.datacenterStopped) phase = 'Restoring';
  else if (status.stopRequested) phase = 'Stopping datacenter';
  else if (awaitsFilterCheck(job) && !nodesOf(status).every((n) => n.phase === 'Succeeded'))
    phase = 'Checking the filter';
  else if (status.restorePrepared && staged(job) && !status.preparation) phase = 'Staging';
  else if (status.restorePrepared) phase = 'Stopping datacenter';
  else if (status.startTime) phase = 'Preparing';
  // Until the datacenter is stopped, no node has started restoring (what the nodes reported is
  // their check of the filter: only a refusal shows).
  const nodes = nodesOf(status).map((n) =>
    status.datacenterStopped || n.phase === 'Failed' ? n : { ...n, phase: 'Pending' },
  );
  return { phase, done, failed: isFailed, nodes, ...(message ? { message } : {}) };
}

export async function createRestore(args: RestoreArgs, io: Io): Promise<number> {
  const kube = kubeFrom(args);
  const backup = await getResource(kube, 'medusabackups', args.backup);
  const backupStatus = String(backup.status?.status ?? '');
  if (backupStatus !== 'SUCCESS') {
    throw new MedusaError(
      'MDS-RESTORE-E001',
      `backup "${args.backup}" is ${backupStatus || 'not finished'}: only a complete backup can be restored`,
      {
        hint: `see why with: kubectl medusa backups describe ${args.backup} -n ${kube.namespace}`,
      },
    );
  }
  const datacenter = args.dc ?? String(backup.spec?.cassandraDatacenter ?? '');
  const name = args.name ?? timestampedName(`restore-${args.backup}`.slice(0, 230));
  const filter = filterOf(args);
  const job = manifest('MedusaRestoreJob', name, kube.namespace, {
    backup: args.backup,
    cassandraDatacenter: datacenter,
    ...(filter ? { filter } : {}),
  });
  const staging = args.staging !== false;
  // --no-staging: the opt-out the controller honours (lib/restore-contract.ts owns the rule).
  if (!staging) job.metadata.annotations = { [stagedRestoreAnnotation]: 'false' };
  const selection = filter
    ? `${describeFilter(filter)} (with the system keyspaces, as Medusa does; every other table keeps its data)`
    : '';
  if (args.dryRun) {
    printDryRun(io, job, formatOf(args));
    return 0;
  }
  const waited = await createAndFollow(io, kube, {
    plural: restores,
    object: job,
    notice: staging
      ? `Datacenter ${datacenter} will be stopped once every node has staged and verified ${args.backup} while Cassandra runs; then ${selection ? `${selection} is` : 'the staged files are'} moved into place and ${datacenter} started again.`
      : `Datacenter ${datacenter} will be stopped without staging (--no-staging): every node downloads ${args.backup}${selection ? `, ${selection},` : ''} while it is stopped, then ${datacenter} is started again.`,
    describeWith: 'restores',
    what: `restore ${name}`,
    observe: observeRestore,
    wait: args.wait,
    timeout: args.timeout,
  });
  if (!waited) return 0;
  const { object, exitCode } = waited;
  const seen = observeRestore(object);
  io.out(`Restore ${name}: ${colorStatus(io, seen.phase)} (backup ${args.backup} into ${datacenter})`);
  if (seen.failed && seen.message) io.err(io.color.red(seen.message));
  io.err(io.color.dim(`Details: kubectl medusa restores describe ${name} -n ${kube.namespace}`));
  return exitCode;
}

const describeFilter = (filter: { include?: string[]; exclude?: string[] }) =>
  [
    filter.include ? `only ${filter.include.join(', ')}` : 'every keyspace',
    filter.exclude ? `except ${filter.exclude.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
