import { z } from 'zod';
import {
  backupType,
  conditions,
  crdMeta,
  immutable,
  nodeProgress,
  podNames,
  tableFilter,
  time,
} from '../common.js';
import { defineKind } from '../define-kind.js';

/** The backup job spec without its immutability rule: schedules embed it as backupSpec. */
export const backupJobSpecSchema = crdMeta(
  z.object({
    cassandraDatacenter: crdMeta(z.string().min(1), {
      description: 'The name of the CassandraDatacenter (or bound StatefulSet) to back up.',
    }),
    backupType: backupType(),
    filter: crdMeta(tableFilter(), {
      description: 'Keyspaces and tables to include or exclude (kubectl-medusa extension).',
    }).optional(),
    dryRun: crdMeta(z.boolean(), {
      description: 'Compute what would be uploaded without uploading (kubectl-medusa extension).',
    }).optional(),
  }),
  { description: 'MedusaBackupJobSpec defines the desired state of MedusaBackupJob.' },
);

export const medusaBackupJobSpecSchema = immutable(backupJobSpecSchema);

export const medusaBackupJobStatusSchema = z.object({
  startTime: time().optional(),
  finishTime: time().optional(),
  inProgress: podNames().optional(),
  finished: podNames().optional(),
  failed: podNames().optional(),
  progress: nodeProgress().optional(),
  conditions: conditions().optional(),
});

export const medusaBackupJob = defineKind({
  kind: 'MedusaBackupJob',
  plural: 'medusabackupjobs',
  singular: 'medusabackupjob',
  description: 'MedusaBackupJob runs one backup of every node of a datacenter.',
  spec: medusaBackupJobSpecSchema,
  status: medusaBackupJobStatusSchema,
  printerColumns: [
    {
      name: 'Started',
      type: 'date',
      jsonPath: '.status.startTime',
      description: 'When the backups were started',
    },
    {
      name: 'Finished',
      type: 'date',
      jsonPath: '.status.finishTime',
      description: 'When the job completed, successfully or not',
    },
  ],
});

export type MedusaBackupJobSpec = z.output<typeof medusaBackupJobSpecSchema>;
export type MedusaBackupJobStatus = z.output<typeof medusaBackupJobStatusSchema>;
export type MedusaBackupJob = z.output<typeof medusaBackupJob.schema>;
/** A manifest as written, before the apiserver applies defaults. */
export type MedusaBackupJobManifest = z.input<typeof medusaBackupJob.schema>;
