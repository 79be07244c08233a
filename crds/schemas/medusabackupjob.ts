import { z } from 'zod';
import {
  backupType,
  conditions,
  crdMeta,
  immutable,
  int64,
  listMap,
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
      description:
        'Plan the backup without taking it: each node reports in status.plan what it would upload after reuse of what storage holds, the disk involved and whether storage is writable; no MedusaBackup is created and nothing is written to storage (kubectl-medusa extension).',
    }).optional(),
  }),
  { description: 'MedusaBackupJobSpec defines the desired state of MedusaBackupJob.' },
);

export const medusaBackupJobSpecSchema = immutable(backupJobSpecSchema);

/** Extension: one node's plan of a dryRun job, as its agent computed it. */
export const nodePlanSchema = z.object({
  node: crdMeta(z.string().min(1), { description: 'Pod name of the Cassandra node.' }),
  host: crdMeta(z.string().max(253), { description: 'The node in storage (Medusa fqdn).' }).optional(),
  snapshotFiles: crdMeta(int64().min(0), { description: 'Files of the snapshot the backup would take.' }),
  snapshotBytes: crdMeta(int64().min(0), {
    description:
      'Bytes of that snapshot: the data disk space it pins (up to that much more while compaction runs).',
  }),
  uploadFiles: crdMeta(int64().min(0), { description: 'Files the backup would upload.' }),
  uploadBytes: crdMeta(int64().min(0), { description: 'Bytes the backup would upload.' }),
  reuploadFiles: crdMeta(int64().min(0), {
    description: 'Of those, files storage holds with another size or hash (uploaded again).',
  }).optional(),
  reusedFiles: crdMeta(int64().min(0), { description: 'Files reused from storage (differential).' }),
  reusedBytes: crdMeta(int64().min(0), { description: 'Bytes reused from storage (differential).' }),
  uploads: crdMeta(z.array(z.object({ path: z.string().max(1024), size: int64().min(0) })).max(500), {
    description: 'The files that would be uploaded (keyspace/table-dir/file), the first 500.',
    'x-kubernetes-list-type': 'atomic',
  }).optional(),
  uploadsOmitted: crdMeta(int64().min(0), { description: 'Uploads not listed in uploads.' }).optional(),
  dataFreeBytes: crdMeta(int64().min(0), {
    description: "Free bytes on the filesystem of Cassandra's data directory.",
  }).optional(),
  storageFreeBytes: crdMeta(int64().min(0), {
    description: 'Local storage: free bytes where the upload would go.',
  }).optional(),
  storageReachable: crdMeta(z.boolean(), { description: 'Storage answered a read.' }),
  storageWritable: crdMeta(z.boolean(), {
    description: 'A probe object could be written and deleted under the prefix.',
  }),
  problems: crdMeta(z.array(z.string().max(1024)).max(32), {
    description: 'What would make the backup fail; empty when it would run.',
    'x-kubernetes-list-type': 'atomic',
  }).optional(),
});

export const medusaBackupJobStatusSchema = z.object({
  startTime: time().optional(),
  finishTime: time().optional(),
  inProgress: podNames().optional(),
  finished: podNames().optional(),
  failed: podNames().optional(),
  progress: nodeProgress().optional(),
  plan: listMap(
    z.array(nodePlanSchema).max(1024),
    ['node'],
    'dryRun jobs: what each node would upload (kubectl-medusa extension).',
  ).optional(),
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
export type NodePlan = z.output<typeof nodePlanSchema>;
export type MedusaBackupJob = z.output<typeof medusaBackupJob.schema>;
/** A manifest as written, before the apiserver applies defaults. */
export type MedusaBackupJobManifest = z.input<typeof medusaBackupJob.schema>;
