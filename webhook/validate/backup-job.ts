import { validateMedusaBackupJob } from '../../crds/index.js';
import { resources } from '../cluster.js';
import { requireBoundDatacenter } from './datacenter.js';
import { fromSchema, type Findings, type ValidationContext } from './result.js';

/** MedusaBackupJob on creation: a bound datacenter, and no other job still running on it. */
export async function validateBackupJob(
  object: unknown,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const checked = validateMedusaBackupJob(object);
  if (!checked.ok) return void out.causes.push(...fromSchema(checked.errors));
  const spec = checked.value.spec;
  if (!spec)
    return void out.causes.push({ field: 'spec', message: 'is required', reason: 'FieldValueRequired' });
  const field = 'spec.cassandraDatacenter';
  const dc = await requireBoundDatacenter(field, spec.cassandraDatacenter, ctx, out.causes);
  if (!dc) return;
  const name = checked.value.metadata.name;
  const jobs = await ctx.reader.list(resources.backupJob, ctx.namespace);
  const running = jobs.find(
    (j) =>
      j.metadata?.name !== name &&
      (j.spec as { cassandraDatacenter?: string } | undefined)?.cassandraDatacenter ===
        spec.cassandraDatacenter &&
      !j.status?.finishTime,
  );
  if (running) {
    const started =
      typeof running.status?.startTime === 'string'
        ? `started ${running.status.startTime}`
        : 'not started yet';
    out.causes.push({
      field,
      message: `MedusaBackupJob "${running.metadata?.name}" is still active on datacenter ${spec.cassandraDatacenter} (${started}): wait for it to finish or delete it`,
      reason: 'FieldValueForbidden',
    });
  }
}
