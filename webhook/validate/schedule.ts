import { validateMedusaBackupSchedule } from '../../crds/index.js';
import { checkCronSchedule } from '../cron.js';
import { findDatacenter } from './datacenter.js';
import { fromSchema, type Findings, type ValidationContext } from './result.js';

/** MedusaBackupSchedule: the cron must parse; its next run is shown as a warning. */
export async function validateSchedule(
  object: unknown,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const checked = validateMedusaBackupSchedule(object);
  if (!checked.ok) return void out.causes.push(...fromSchema(checked.errors));
  const spec = checked.value.spec;
  if (!spec)
    return void out.causes.push({ field: 'spec', message: 'is required', reason: 'FieldValueRequired' });
  const cron = checkCronSchedule(spec.cronSchedule, spec.timeZone, ctx.now);
  if (!cron.ok) {
    const field =
      cron.message.startsWith('unknown time zone') && spec.timeZone ? 'spec.timeZone' : 'spec.cronSchedule';
    out.causes.push({ field, message: cron.message });
    return;
  }
  const when = spec.disabled ? 'would run next (disabled)' : 'runs next';
  out.warnings.push(
    `schedule "${cron.expression}" ${when} at ${cron.next.toISOString()} (time zone ${cron.timeZone})`,
  );
  // A schedule may be applied before its datacenter (GitOps): warn, do not refuse.
  const dc = await findDatacenter(spec.backupSpec.cassandraDatacenter, ctx);
  if (!dc) {
    out.warnings.push(
      `spec.backupSpec.cassandraDatacenter: no CassandraDatacenter or StatefulSet "${spec.backupSpec.cassandraDatacenter}" in ${ctx.namespace} yet`,
    );
  } else if (!dc.bound) {
    out.warnings.push(
      `spec.backupSpec.cassandraDatacenter: ${dc.holder} "${dc.name}" is not bound to a MedusaConfiguration yet`,
    );
  }
}
