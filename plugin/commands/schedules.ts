// kubectl medusa schedule create|list|get|describe|suspend|resume|delete: MedusaBackupSchedules.
import { nextRuns, parseSchedule } from '../../lib/schedule.js';
import type { NameArgs, ScheduleCreateArgs } from '../args.js';
import { exitCodes, MedusaError } from '../errors.js';
import { colorStatus, type Io } from '../io.js';
import type { TableSpec } from '../printers/output.js';
import { renderFields } from '../printers/table.js';
import {
  createResource,
  deleteResource,
  patchResource,
  qualifiedName,
  type MedusaResource,
} from '../resources.js';
import { ageOf, formatOf, kubeFrom, manifest, printDryRun, whenOf, str } from './common.js';
import { readCommands } from './read-commands.js';

const plural = 'medusabackupschedules';

function upcoming(s: MedusaResource, count: number): Date[] {
  if (s.spec?.disabled) return [];
  try {
    return nextRuns(String(s.spec?.cronSchedule ?? ''), {
      count,
      ...(s.spec?.timeZone ? { timeZone: String(s.spec.timeZone) } : {}),
    });
  } catch {
    return [];
  }
}

function table(io: Io): TableSpec<MedusaResource> {
  return {
    headers: ['name', 'datacenter', 'schedule', 'operation', 'type', 'suspended', 'last run', 'next run'],
    row: (s) => {
      const backupSpec = (s.spec?.backupSpec ?? {}) as Record<string, unknown>;
      const next = upcoming(s, 1)[0];
      return [
        s.metadata.name,
        str(backupSpec.cassandraDatacenter),
        `${str(s.spec?.cronSchedule)}${s.spec?.timeZone ? ` (${String(s.spec.timeZone)})` : ''}`,
        str(s.spec?.operationType ?? 'backup'),
        str(backupSpec.backupType),
        s.spec?.disabled ? colorStatus(io, 'True') : 'False',
        s.status?.lastExecution ? `${ageOf(s.status.lastExecution)} ago` : '-',
        next ? whenOf(next).replace(/^.*\((.*)\)$/, '$1') : '-',
      ];
    },
    wideHeaders: ['concurrency'],
    wideRow: (s) => [str(s.spec?.concurrencyPolicy ?? 'Forbid')],
  };
}

export const { list, get, describe } = readCommands({
  plural,
  table,
  empty: () =>
    'No schedules found. Create one with: kubectl medusa schedule create <name> --dc <dc> --cron "0 2 * * *"',
  describe(io, s) {
    const backupSpec = (s.spec?.backupSpec ?? {}) as Record<string, unknown>;
    const runs = upcoming(s, 5);
    return [
      renderFields([
        ['Name', s.metadata.name],
        ['Namespace', str(s.metadata.namespace)],
        ['Datacenter', str(backupSpec.cassandraDatacenter)],
        ['Schedule', str(s.spec?.cronSchedule)],
        ['Time zone', str(s.spec?.timeZone ?? 'UTC')],
        ['Operation', str(s.spec?.operationType ?? 'backup')],
        ['Backup type', str(backupSpec.backupType)],
        ['Concurrency', str(s.spec?.concurrencyPolicy ?? 'Forbid')],
        ['Suspended', s.spec?.disabled ? colorStatus(io, 'True') : 'False'],
        ['Last run', whenOf(s.status?.lastExecution)],
      ]),
      '',
      'Next runs:',
      ...(runs.length ? runs.map((d) => `  ${whenOf(d)}`) : ['  <none: suspended>']),
    ].join('\n');
  },
});

export async function create(args: ScheduleCreateArgs, io: Io): Promise<number> {
  try {
    parseSchedule(args.cron, args.timezone);
  } catch (error) {
    throw new MedusaError(
      'MDS-SCHEDULE-E001',
      `--cron "${args.cron}" is not a valid schedule: ${(error as Error).message}`,
      {
        hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" (02:00 every day)',
        exitCode: exitCodes.usage,
      },
    );
  }
  const kube = kubeFrom(args);
  const schedule = manifest('MedusaBackupSchedule', args.name, kube.namespace, {
    cronSchedule: args.cron,
    ...(args.timezone ? { timeZone: args.timezone } : {}),
    ...(args.suspend ? { disabled: true } : {}),
    ...(args.concurrencyPolicy ? { concurrencyPolicy: args.concurrencyPolicy } : {}),
    operationType: args.operation ?? 'backup',
    backupSpec: { cassandraDatacenter: args.dc, backupType: args.type ?? 'differential' },
  });
  if (args.dryRun) {
    printDryRun(io, schedule, formatOf(args));
    return 0;
  }
  await createResource(kube, plural, schedule);
  io.out(`${qualifiedName(plural, args.name)} created`);
  const next = upcoming(schedule, 3);
  if (next.length) io.err(`Next runs: ${next.map((d) => whenOf(d)).join(', ')}`);
  return 0;
}

export async function setDisabled(args: NameArgs, io: Io, disabled: boolean): Promise<void> {
  const kube = kubeFrom(args);
  await patchResource(kube, plural, args.name, { spec: { disabled } });
  io.out(`${qualifiedName(plural, args.name)} ${disabled ? 'suspended' : 'resumed'}`);
}

export async function remove(args: NameArgs, io: Io): Promise<void> {
  const kube = kubeFrom(args);
  await deleteResource(kube, plural, args.name);
  io.out(`${qualifiedName(plural, args.name)} deleted`);
}
