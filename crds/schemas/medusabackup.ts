import { z } from 'zod';
import { backupType, conditions, crdMeta, immutable, int32, int64, int64Wide, time } from '../common.js';
import { defineKind } from '../define-kind.js';

export const medusaBackupSpecSchema = immutable(
  crdMeta(
    z.object({
      cassandraDatacenter: crdMeta(z.string(), { description: 'The datacenter the backup was taken from.' }),
      backupType: backupType(),
    }),
    { description: 'MedusaBackupSpec defines the desired state of MedusaBackup.' },
  ),
);

export const medusaBackupNodeSchema = z.object({
  host: z.string().optional(),
  tokens: z.array(int64Wide()).optional(),
  datacenter: z.string().optional(),
  rack: z.string().optional(),
});

export const backupStatuses = ['IN_PROGRESS', 'SUCCESS', 'FAILED', 'UNKNOWN'] as const;

export const medusaBackupStatusSchema = z.object({
  startTime: time().optional(),
  finishTime: time().optional(),
  totalNodes: int32().optional(),
  finishedNodes: int32().optional(),
  nodes: z.array(medusaBackupNodeSchema).optional(),
  totalFiles: int64().optional(),
  totalSize: crdMeta(z.string(), { description: 'Human-readable size, e.g. "127.67 KB".' }).optional(),
  status: crdMeta(z.string(), {
    description: `Medusa backup status: ${backupStatuses.join(', ')}.`,
  }).optional(),
  conditions: conditions().optional(),
});

export const medusaBackup = defineKind({
  kind: 'MedusaBackup',
  plural: 'medusabackups',
  singular: 'medusabackup',
  description: 'MedusaBackup is a backup stored in the bucket, materialized in the cluster.',
  spec: medusaBackupSpecSchema,
  status: medusaBackupStatusSchema,
  printerColumns: [
    { name: 'Started', type: 'date', jsonPath: '.status.startTime', description: 'Backup start time' },
    { name: 'Finished', type: 'date', jsonPath: '.status.finishTime', description: 'Backup finish time' },
    {
      name: 'Nodes',
      type: 'string',
      jsonPath: '.status.totalNodes',
      description: 'Nodes in the datacenter when the backup ran',
    },
    { name: 'Files', type: 'integer', jsonPath: '.status.totalFiles', description: 'Files in the backup' },
    {
      name: 'Size',
      type: 'string',
      jsonPath: '.status.totalSize',
      description: 'Total size of the backup, human-readable',
    },
    {
      name: 'Completed',
      type: 'string',
      jsonPath: '.status.finishedNodes',
      description: 'Nodes that finished their backup',
    },
    { name: 'Status', type: 'string', jsonPath: '.status.status', description: 'Medusa backup status' },
  ],
});

export type MedusaBackupSpec = z.output<typeof medusaBackupSpecSchema>;
export type MedusaBackupStatus = z.output<typeof medusaBackupStatusSchema>;
export type MedusaBackup = z.output<typeof medusaBackup.schema>;
/** A manifest as written, before the apiserver applies defaults. */
export type MedusaBackupManifest = z.input<typeof medusaBackup.schema>;
