import { z } from 'zod';
import { backupType, conditions, crdMeta, immutable, int32, int64, int64Wide, time } from '../common.js';
import { defineKind } from '../kind.js';

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
    { name: 'Started', type: 'date', jsonPath: '.status.startTime' },
    { name: 'Finished', type: 'date', jsonPath: '.status.finishTime' },
    { name: 'Nodes', type: 'string', jsonPath: '.status.totalNodes' },
    { name: 'Files', type: 'integer', jsonPath: '.status.totalFiles' },
    { name: 'Size', type: 'string', jsonPath: '.status.totalSize' },
    { name: 'Completed', type: 'string', jsonPath: '.status.finishedNodes' },
    { name: 'Status', type: 'string', jsonPath: '.status.status' },
  ],
});

export type MedusaBackupSpec = z.output<typeof medusaBackupSpecSchema>;
export type MedusaBackupStatus = z.output<typeof medusaBackupStatusSchema>;
export type MedusaBackup = z.output<typeof medusaBackup.schema>;
