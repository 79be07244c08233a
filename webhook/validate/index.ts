import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { group as medusaGroup } from '../../crds/index.js';
import { refuse, type AdmissionOutcome, type AdmissionRequest } from '../admission/review.js';
import type { ClusterReader, KubeObject } from '../cluster.js';
import { datacenterGroup, datacenterKind } from '../../lib/cass-operator.js';
import { validateBinding } from './binding.js';
import { validateConfiguration } from './configuration.js';
import { validateBackupJob } from './backup-job.js';
import { validateBackup, validateTask } from './schema-only.js';
import { validateRestoreJob } from './restore-job.js';
import { findings, isRecord, type Findings, type ValidationContext } from './result.js';
import { validateSchedule } from './schedule.js';

const metadataShape = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** Kinds whose spec cannot change once created (the CRDs say so too, with CEL). */
const immutableSpecs = new Set(['MedusaBackupJob', 'MedusaBackup', 'MedusaRestoreJob', 'MedusaTask']);

async function checkMedusaObject(
  kind: string,
  request: AdmissionRequest,
  object: Record<string, unknown>,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const create = request.operation === 'CREATE';
  if (request.operation === 'UPDATE' && immutableSpecs.has(kind)) {
    const old = request.oldObject ?? undefined;
    if (old && !isDeepStrictEqual(old.spec, object.spec)) {
      out.causes.push({
        field: 'spec',
        message: `is immutable after creation: create a new ${kind} instead`,
        reason: 'FieldValueForbidden',
      });
      return;
    }
  }
  switch (kind) {
    case 'MedusaConfiguration':
      return validateConfiguration(object, ctx, out);
    case 'MedusaBackupSchedule':
      return validateSchedule(object, ctx, out);
    // Checks against the cluster only make sense when the job is created: later the backup may
    // be purged or the datacenter resized while the finished job stays.
    case 'MedusaBackupJob':
      return create ? validateBackupJob(object, ctx, out) : undefined;
    case 'MedusaRestoreJob':
      return create ? validateRestoreJob(object, ctx, out) : undefined;
    case 'MedusaTask':
      return validateTask(object, out);
    case 'MedusaBackup':
      return validateBackup(object, out);
    default:
      return undefined;
  }
}

/** Validating admission of the Medusa kinds and of the binding annotations. */
export async function validateRequest(
  request: AdmissionRequest,
  reader: ClusterReader,
  now = new Date(),
): Promise<AdmissionOutcome> {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return { allowed: true, skipped: `operation ${request.operation}` };
  }
  if (request.subResource) return { allowed: true, skipped: `subresource ${request.subResource}` };
  const object = request.object;
  if (!isRecord(object)) {
    return refuse(request.kind.kind, request.name ?? '', [
      { field: '<root>', message: 'the request carries no object' },
    ]);
  }
  const metadata = metadataShape.safeParse(object.metadata);
  if (!metadata.success) {
    const issue = metadata.error.issues[0];
    const field = ['metadata', ...(issue?.path ?? [])].join('.');
    return refuse(request.kind.kind, request.name ?? '', [{ field, message: issue?.message ?? 'invalid' }]);
  }
  const namespace = request.namespace ?? '';
  const ctx: ValidationContext = { namespace, reader, now };
  const out = findings();
  const { group, kind } = request.kind;
  const holder =
    group === datacenterGroup && kind === datacenterKind
      ? 'CassandraDatacenter'
      : group === 'apps' && kind === 'StatefulSet'
        ? 'StatefulSet'
        : undefined;
  if (group === medusaGroup) {
    await checkMedusaObject(kind, request, object, ctx, out);
  } else if (holder) {
    const old = (request.oldObject ?? undefined) as KubeObject | undefined;
    await validateBinding(holder, object as KubeObject, old, ctx, out);
  } else {
    return { allowed: true, skipped: `kind ${group}/${kind} is not validated` };
  }
  const name = (object.metadata as { name?: string } | undefined)?.name ?? request.name ?? '';
  if (out.causes.length > 0) return refuse(kind, name, out.causes, out.warnings);
  return { allowed: true, ...(out.warnings.length > 0 ? { warnings: out.warnings } : {}) };
}
