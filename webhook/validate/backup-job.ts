import { validateMedusaBackupJob } from '../../crds/index.js';
import { kubernetesBackupNameProblem, prefixCollision } from '../../lib/storage/repository/names.js';
import { resources } from '../cluster.js';
import { findDatacenter } from './datacenter.js';
import { fromSchema, type Findings, type ValidationContext } from './result.js';

/**
 * The job's name becomes the backup's name in storage: refuse what the agent would refuse, and a
 * name that shares a prefix with another backup or job of the namespace (Medusa's purge of one
 * would delete the other).
 */
async function checkBackupName(
  name: string,
  plan: boolean,
  ctx: ValidationContext,
  out: Findings,
): Promise<void> {
  const problem = kubernetesBackupNameProblem(name);
  if (problem)
    return void out.causes.push({ field: 'metadata.name', message: problem, reason: 'FieldValueInvalid' });
  // A plan (dryRun) writes no backup: it collides with nothing, and nothing collides with it.
  if (plan) return;
  const [backups, jobs] = await Promise.all([
    ctx.reader.list(resources.backup, ctx.namespace),
    ctx.reader.list(resources.backupJob, ctx.namespace),
  ]);
  const existing = [...backups, ...jobs.filter((j) => j.spec?.dryRun !== true)]
    .map((o) => o.metadata?.name ?? '')
    .filter(Boolean);
  const collision = prefixCollision(name, existing);
  if (collision)
    out.causes.push({ field: 'metadata.name', message: collision, reason: 'FieldValueForbidden' });
}

/** MedusaBackupJob on creation: a valid backup name and no other job running on its datacenter. */
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
  const name = checked.value.metadata.name;
  // Validating admission sees the final name (generateName is resolved before it runs).
  if (name !== undefined) await checkBackupName(name, spec.dryRun === true, ctx, out);
  const field = 'spec.cassandraDatacenter';
  // A job may be applied before its datacenter or the datacenter's binding (GitOps): warn; the
  // controller waits for the datacenter's pods, with a deadline (controller/reconcilers/backupjob-wait.ts).
  const dc = await findDatacenter(spec.cassandraDatacenter, ctx);
  if (!dc || !dc.bound) {
    const what = dc
      ? `${dc.holder} "${dc.name}" is not bound to a MedusaConfiguration yet`
      : `no CassandraDatacenter or StatefulSet "${spec.cassandraDatacenter}" in ${ctx.namespace} yet`;
    out.warnings.push(`${field}: ${what}: the backup waits for the datacenter's pods running Medusa`);
  }
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
