import { validateMedusaBackupSchedule } from '../../crds/index.js';
import { MAX_NAME_LENGTH, scheduleNameProblem } from '../../lib/storage/repository/names.js';
import { parseSchedule, ScheduleError } from '../../lib/schedule.js';
import { findDatacenter } from './datacenter.js';
import { fromSchema, type Findings, type ValidationContext } from './result.js';

/**
 * The schedule's name: its jobs are named `<schedule>-<unix seconds>` and labelled with it, so a
 * backup schedule's children must be valid backup names and every schedule name a label value.
 */
function checkScheduleName(name: string, purge: boolean, out: Findings): void {
  const problem = purge
    ? name.length > MAX_NAME_LENGTH
      ? `is ${name.length} characters long; at most ${MAX_NAME_LENGTH} are allowed (it labels the tasks it creates)`
      : undefined
    : scheduleNameProblem(name);
  if (problem) out.causes.push({ field: 'metadata.name', message: problem });
}

/** MedusaBackupSchedule: the cron must parse as the controller parses it; its next run is a warning. */
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
  const name = checked.value.metadata.name;
  if (name !== undefined) checkScheduleName(name, spec.operationType === 'purge', out);
  let next: Date;
  let zone: string;
  try {
    const schedule = parseSchedule(spec.cronSchedule, spec.timeZone);
    next = schedule.next(ctx.now);
    zone = schedule.timeZone;
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    out.causes.push({ field: `spec.${error.field}`, message: error.message });
    return;
  }
  if (out.causes.length > 0) return;
  const when = spec.disabled ? 'would run next (disabled)' : 'runs next';
  out.warnings.push(`schedule "${spec.cronSchedule}" ${when} at ${next.toISOString()} (time zone ${zone})`);
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
