import { z } from 'zod';
import { conditions, crdMeta, goInt, immutable, nodeProgress, podNames, time, withRules } from '../common.js';
import { defineKind } from '../define-kind.js';

/** k8ssandra's sync, purge, prepare_restore, plus verify (kubectl-medusa extension). */
export const taskOperations = ['sync', 'purge', 'prepare_restore', 'verify'] as const;

export const medusaTaskSpecSchema = immutable(
  withRules(
    crdMeta(
      z.object({
        operation: crdMeta(z.enum(taskOperations), { description: 'The operation to run.' }),
        cassandraDatacenter: crdMeta(z.string(), { description: 'The datacenter to run it on.' }),
        backupName: crdMeta(z.string(), {
          description:
            'Backup to prepare a restore of (prepare_restore) or to verify (verify; all when unset).',
        }).optional(),
        restoreKey: crdMeta(z.string(), { description: 'Restore key, for prepare_restore.' }).optional(),
      }),
      { description: 'MedusaTaskSpec defines the desired state of MedusaTask.' },
    ),
    [
      {
        rule: "self.operation != 'prepare_restore' || (has(self.backupName) && self.backupName != '' && has(self.restoreKey) && self.restoreKey != '')",
        message: 'prepare_restore needs backupName and restoreKey',
        fieldPath: '.backupName',
        reason: 'FieldValueRequired',
        check: (s) => s.operation !== 'prepare_restore' || (!!s.backupName && !!s.restoreKey),
      },
    ],
  ),
);

export const taskResultSchema = z.object({
  podName: z.string().optional(),
  nbBackupsPurged: goInt().optional(),
  nbObjectsPurged: goInt().optional(),
  totalPurgedSize: goInt().optional(),
  totalObjectsWithinGcGrace: goInt().optional(),
});

export const medusaTaskStatusSchema = z.object({
  startTime: time().optional(),
  finishTime: time().optional(),
  inProgress: podNames().optional(),
  finished: z.array(taskResultSchema).optional(),
  failed: podNames().optional(),
  progress: nodeProgress().optional(),
  conditions: conditions().optional(),
});

export const medusaTask = defineKind({
  kind: 'MedusaTask',
  plural: 'medusatasks',
  singular: 'medusatask',
  description:
    'MedusaTask runs a maintenance operation (sync, purge, verify, prepare_restore) on a datacenter.',
  spec: medusaTaskSpecSchema,
  status: medusaTaskStatusSchema,
  printerColumns: [
    {
      name: 'Datacenter',
      type: 'string',
      jsonPath: '.spec.cassandraDatacenter',
      description: 'Datacenter the task runs on',
    },
    { name: 'Operation', type: 'string', jsonPath: '.spec.operation', description: 'Task operation' },
    { name: 'Start', type: 'date', jsonPath: '.status.startTime', description: 'Task start time' },
    { name: 'Finish', type: 'date', jsonPath: '.status.finishTime', description: 'Task finish time' },
  ],
});

export type MedusaTaskSpec = z.output<typeof medusaTaskSpecSchema>;
export type MedusaTaskStatus = z.output<typeof medusaTaskStatusSchema>;
export type MedusaTask = z.output<typeof medusaTask.schema>;
/** A manifest as written, before the apiserver applies defaults. */
export type MedusaTaskManifest = z.input<typeof medusaTask.schema>;
