// kubectl medusa sync|purge <dc>, verify <backup>, tasks [list|get|describe]: MedusaTasks.
import { humanizeBytes } from '../../lib/units.js';
import type { TaskArgs } from '../args.js';
import { colorStatus, type Io } from '../io.js';
import type { TableSpec } from '../printers/output.js';
import { renderFields, renderTable } from '../printers/table.js';
import { getResource, type MedusaResource } from '../resources.js';
import { nodesOf, renderProgress, type NodeProgress, type Observation } from '../wait.js';
import {
  ageOf,
  formatOf,
  kubeFrom,
  list as listOf,
  manifest,
  printDryRun,
  timestampedName,
  whenOf,
  str,
} from './common.js';
import { createAndFollow } from './create-and-follow.js';
import { indented, readCommands } from './read-commands.js';

const plural = 'medusatasks';

interface TaskResult {
  podName?: string;
  nbBackupsPurged?: number;
  nbObjectsPurged?: number;
  totalPurgedSize?: number;
  totalObjectsWithinGcGrace?: number;
}

export function observeTask(task: MedusaResource): Observation {
  const status = task.status ?? {};
  const failed = listOf(status.failed);
  const progress = (status.progress as NodeProgress[] | undefined) ?? [];
  const done = Boolean(status.finishTime);
  const phase = done ? (failed.length ? 'Failed' : 'Succeeded') : status.startTime ? 'Running' : 'Pending';
  const nodes = nodesOf(status);
  const message = progress.find((n) => n.lastError)?.lastError;
  return { phase, done, failed: failed.length > 0, nodes, ...(message ? { message } : {}) };
}

function table(io: Io): TableSpec<MedusaResource> {
  return {
    headers: ['name', 'operation', 'datacenter', 'backup', 'phase', 'age'],
    row: (t) => [
      t.metadata.name,
      str(t.spec?.operation),
      str(t.spec?.cassandraDatacenter),
      str(t.spec?.backupName),
      colorStatus(io, observeTask(t).phase),
      ageOf(t.status?.startTime ?? t.metadata.creationTimestamp),
    ],
    wideHeaders: ['started', 'finished'],
    wideRow: (t) => [str(t.status?.startTime), str(t.status?.finishTime)],
  };
}

export async function createTask(args: TaskArgs, io: Io): Promise<number> {
  const kube = kubeFrom(args);
  let datacenter = args.datacenter;
  if (args.operation === 'verify') {
    // verify names a backup; its datacenter is the one it was taken from.
    const backup = await getResource(kube, 'medusabackups', args.backup ?? '');
    datacenter = String(backup.spec?.cassandraDatacenter ?? '');
  }
  const name =
    args.name ??
    timestampedName(`${args.operation}-${args.operation === 'verify' ? args.backup : datacenter}`);
  const task = manifest('MedusaTask', name, kube.namespace, {
    operation: args.operation,
    cassandraDatacenter: datacenter,
    ...(args.operation === 'verify' && args.backup ? { backupName: args.backup } : {}),
  });
  if (args.dryRun) {
    printDryRun(io, task, formatOf(args));
    return 0;
  }
  const waited = await createAndFollow(io, kube, {
    plural,
    object: task,
    describeWith: 'tasks',
    what: `${args.operation} ${name}`,
    observe: observeTask,
    wait: args.wait,
    timeout: args.timeout,
  });
  if (!waited) return 0;
  const { object, exitCode } = waited;
  io.out(`${args.operation} ${name}: ${colorStatus(io, observeTask(object).phase)}`);
  const results = purgeResults(object);
  if (results) io.out(results);
  return exitCode;
}

/** The per-node purge statistics of a purge task, as a table (undefined for other tasks). */
function purgeResults(task: MedusaResource): string | undefined {
  const results = (task.status?.finished as TaskResult[] | undefined) ?? [];
  if (task.spec?.operation !== 'purge' || results.length === 0) return undefined;
  return renderTable(
    ['node', 'backups purged', 'objects purged', 'size purged', 'objects within grace'],
    results.map((r) => [
      str(r.podName),
      str(r.nbBackupsPurged ?? 0),
      str(r.nbObjectsPurged ?? 0),
      humanizeBytes(r.totalPurgedSize ?? 0),
      str(r.totalObjectsWithinGcGrace ?? 0),
    ]),
  );
}

export const { list, get, describe } = readCommands({
  plural,
  table,
  empty: () => 'No tasks found.',
  describe(io, task) {
    const seen = observeTask(task);
    return [
      renderFields([
        ['Name', task.metadata.name],
        ['Namespace', str(task.metadata.namespace)],
        ['Operation', str(task.spec?.operation)],
        ['Datacenter', str(task.spec?.cassandraDatacenter)],
        ['Backup', str(task.spec?.backupName)],
        ['Phase', colorStatus(io, seen.phase)],
        ['Started', whenOf(task.status?.startTime)],
        ['Finished', whenOf(task.status?.finishTime)],
      ]),
      ...(seen.nodes.length ? ['', 'Nodes:', indented(renderProgress(io, seen.nodes))] : []),
      ...(purgeResults(task) ? ['', purgeResults(task)!] : []),
    ].join('\n');
  },
});
