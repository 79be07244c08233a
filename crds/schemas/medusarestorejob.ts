import { z } from 'zod';
import {
  conditions,
  crdMeta,
  immutable,
  int64,
  listMap,
  nodeProgress,
  podNames,
  stagingProgress,
  tableFilter,
  time,
  withRules,
} from '../common.js';
import { defineKind } from '../define-kind.js';

/** Extension: restore the backup of node `source` onto pod `target`. */
export const hostMappingEntrySchema = z.object({
  target: crdMeta(z.string().min(1).max(253), { description: 'Pod name in the target datacenter.' }),
  source: crdMeta(z.string().min(1).max(253), {
    description: 'Host recorded in the backup (MedusaBackup status.nodes[].host).',
  }),
});

const hostMapping = () =>
  withRules(
    listMap(
      z.array(hostMappingEntrySchema).max(256),
      ['target'],
      'Explicit source-to-target node mapping; computed from racks and tokens when unset (kubectl-medusa extension).',
    ),
    [
      {
        rule: 'self.all(m, self.exists_one(o, o.source == m.source))',
        message: 'each source host may be mapped to one target only',
        check: (list) => new Set(list.map((m) => m.source)).size === list.length,
      },
    ],
  );

export const medusaRestoreJobSpecSchema = immutable(
  crdMeta(
    z.object({
      backup: crdMeta(z.string(), { description: 'The name of the MedusaBackup to restore.' }),
      cassandraDatacenter: crdMeta(z.string(), {
        description: 'Name of the Cassandra datacenter to perform the restore on.',
      }),
      filter: crdMeta(tableFilter(), {
        description: 'Restore only these keyspaces/tables (kubectl-medusa extension).',
      }).optional(),
      hostMapping: hostMapping().optional(),
    }),
    { description: 'MedusaRestoreJobSpec defines the desired state of MedusaRestoreJob.' },
  ),
);

export const mappingSourceSchema = z.object({
  source: z.array(z.string()),
  seed: z.boolean(),
});

export const restoreMappingSchema = z.object({
  // Go *bool without omitempty: JSON key in_place, required by the generated schema.
  in_place: crdMeta(z.boolean(), { description: 'Whether the restore is in-place or not.' }),
  host_map: crdMeta(z.record(z.string(), mappingSourceSchema), {
    description: 'Target pod name to source node(s).',
  }).optional(),
});

export const medusaRestoreJobStatusSchema = z.object({
  restoreKey: crdMeta(z.string(), { description: 'A unique key that identifies the restore operation.' }),
  restorePrepared: z.boolean().optional(),
  restoreMapping: restoreMappingSchema.optional(),
  startTime: time().optional(),
  finishTime: time().optional(),
  prepareTask: crdMeta(z.string(), {
    description:
      'The prepare_restore MedusaTask that staged the backup on every node before the stop (kubectl-medusa extension).',
  }).optional(),
  preparation: stagingProgress().optional(),
  prepared: crdMeta(time(), {
    description: 'When every node had staged its backup (kubectl-medusa extension).',
  }).optional(),
  stopRequested: crdMeta(time(), {
    description:
      'When the controller asked the datacenter to stop: the downtime starts (kubectl-medusa extension).',
  }).optional(),
  datacenterStopped: time().optional(),
  datacenterRestarted: crdMeta(time(), {
    description: 'When every pod was Ready again after the restore (kubectl-medusa extension).',
  }).optional(),
  downtimeSeconds: crdMeta(int64(), {
    description: 'Seconds from stopRequested to datacenterRestarted (kubectl-medusa extension).',
  }).optional(),
  inProgress: podNames().optional(),
  finished: podNames().optional(),
  failed: podNames().optional(),
  message: crdMeta(z.string(), { description: 'Why the restore failed.' }).optional(),
  progress: nodeProgress().optional(),
  conditions: conditions().optional(),
});

export const medusaRestoreJob = defineKind({
  kind: 'MedusaRestoreJob',
  plural: 'medusarestorejobs',
  singular: 'medusarestorejob',
  description: 'MedusaRestoreJob restores a MedusaBackup into a datacenter.',
  spec: medusaRestoreJobSpecSchema,
  status: medusaRestoreJobStatusSchema,
  printerColumns: [
    { name: 'Started', type: 'date', jsonPath: '.status.startTime', description: 'Restore start time' },
    { name: 'Finished', type: 'date', jsonPath: '.status.finishTime', description: 'Restore finish time' },
    { name: 'Error', type: 'string', jsonPath: '.status.message', description: 'Why the restore failed' },
  ],
});

export type MedusaRestoreJobSpec = z.output<typeof medusaRestoreJobSpecSchema>;
export type MedusaRestoreJobStatus = z.output<typeof medusaRestoreJobStatusSchema>;
export type MedusaRestoreJob = z.output<typeof medusaRestoreJob.schema>;
/** A manifest as written, before the apiserver applies defaults. */
export type MedusaRestoreJobManifest = z.input<typeof medusaRestoreJob.schema>;
