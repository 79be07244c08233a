import { z } from 'zod';
import { conditions, crdMeta, time, withRules } from '../common.js';
import { defineKind } from '../define-kind.js';
import { backupJobSpecSchema } from './medusabackupjob.js';

export const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'] as const;
export const operationTypes = ['backup', 'purge'] as const;

export const medusaBackupScheduleSpecSchema = withRules(
  crdMeta(
    z.object({
      cronSchedule: crdMeta(z.string().min(1), {
        description: 'Standard 5-field cron expression or descriptor (@daily, @every 1h).',
      }),
      timeZone: crdMeta(z.string().min(1).max(64), {
        description:
          'IANA time zone of cronSchedule, e.g. "Europe/Paris"; UTC when unset (kubectl-medusa extension).',
      }).optional(),
      disabled: z.boolean().optional(),
      backupSpec: backupJobSpecSchema,
      concurrencyPolicy: crdMeta(z.enum(concurrencyPolicies), {
        description:
          'Allow: run concurrently; Forbid (behaviour when unset): skip while one runs; Replace: cancel the running one.',
      }).optional(),
      operationType: z.enum(operationTypes).default('backup'),
    }),
    { description: 'MedusaBackupScheduleSpec defines the desired state of MedusaBackupSchedule.' },
  ),
  [
    {
      rule: "!has(self.timeZone) || !self.cronSchedule.matches('^\\\\s*(CRON_)?TZ=')",
      message: 'set the time zone either with timeZone or with a CRON_TZ=/TZ= prefix, not both',
      fieldPath: '.timeZone',
      reason: 'FieldValueForbidden',
      check: (s) => s.timeZone === undefined || !/^\s*(CRON_)?TZ=/.test(s.cronSchedule),
    },
  ],
);

export const medusaBackupScheduleStatusSchema = z.object({
  nextSchedule: time().optional(),
  lastExecution: time().optional(),
  conditions: conditions().optional(),
});

export const medusaBackupSchedule = defineKind({
  kind: 'MedusaBackupSchedule',
  plural: 'medusabackupschedules',
  singular: 'medusabackupschedule',
  description: 'MedusaBackupSchedule creates MedusaBackupJobs (or purge MedusaTasks) on a cron schedule.',
  spec: medusaBackupScheduleSpecSchema,
  status: medusaBackupScheduleStatusSchema,
  printerColumns: [
    {
      name: 'Datacenter',
      type: 'string',
      jsonPath: '.spec.backupSpec.cassandraDatacenter',
      description: 'Datacenter backed up',
    },
    {
      name: 'ScheduledExecution',
      type: 'date',
      jsonPath: '.status.nextSchedule',
      description: 'Next scheduled run',
    },
    { name: 'LastExecution', type: 'date', jsonPath: '.status.lastExecution', description: 'Last run' },
    {
      name: 'OperationType',
      type: 'string',
      jsonPath: '.spec.operationType',
      description: 'backup or purge',
    },
  ],
});

export type MedusaBackupScheduleSpec = z.output<typeof medusaBackupScheduleSpecSchema>;
export type MedusaBackupScheduleStatus = z.output<typeof medusaBackupScheduleStatusSchema>;
export type MedusaBackupSchedule = z.output<typeof medusaBackupSchedule.schema>;
/** A manifest as written, before the apiserver applies defaults. */
export type MedusaBackupScheduleManifest = z.input<typeof medusaBackupSchedule.schema>;
