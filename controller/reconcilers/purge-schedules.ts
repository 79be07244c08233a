// A daily purge schedule for each datacenter bound to a MedusaConfiguration, unless its
// purgeBackups is false (k8ssandra-operator's replacement of the purge CronJob).
import { configurationAnnotation } from '../../crds/binding.js';
import { cassOperator } from '../../lib/datacenter.js';
import { kubeRequest } from '../../lib/kube-request.js';
import { createObject, deleteObject, findObject, type MedusaObject } from '../../lib/medusa-api.js';
import type { Context } from '../context.js';
import { releaseAwaitingStatefulSets } from './awaiting-configuration.js';
import { reconcileConfigurationStatus } from './configuration-status.js';
import type { Result } from '../loop.js';

export const purgeScheduleName = (dc: string) => `${dc}-purge`.slice(0, 253);
export const purgeCron = '0 0 * * *';

/** Names of the datacenters (StatefulSets or CassandraDatacenters) in namespace bound to configuration. */
async function boundDatacenters(ctx: Context, namespace: string, configuration: string): Promise<string[]> {
  const bound = (annotations?: Record<string, string>) =>
    annotations?.[configurationAnnotation] === configuration;
  const sets = await ctx.apps.listNamespacedStatefulSet({ namespace });
  const names = sets.items
    // StatefulSets of a CassandraDatacenter carry the binding on the datacenter, not on themselves.
    .filter((s) => bound(s.metadata?.annotations) && !s.metadata?.labels?.[cassOperator.datacenterLabel])
    .map((s) => s.metadata?.name ?? '');
  const cassdcs = await kubeRequest<{ items: MedusaObject[] }>(
    ctx.kc,
    'GET',
    `/apis/${cassOperator.group}/${cassOperator.version}/namespaces/${namespace}/${cassOperator.plural}`,
  ).catch(() => ({ items: [] as MedusaObject[] }));
  return [
    ...names,
    ...cassdcs.items.filter((d) => bound(d.metadata.annotations)).map((d) => d.metadata.name),
  ];
}

export async function reconcilePurgeSchedules(
  ctx: Context,
  namespace: string,
  name: string,
): Promise<Result> {
  const configuration = await findObject(ctx.kc, 'medusaconfigurations', namespace, name);
  if (!configuration || configuration.metadata.deletionTimestamp) return;
  // Conditions first (configuration-status.ts): a missing bucket secret shows even with no datacenter.
  // A status that cannot be written (RBAC without medusaconfigurations/status) must not stop the
  // purge schedules.
  const ready = await reconcileConfigurationStatus(ctx, configuration).catch((error: unknown) => {
    ctx.log.warn('configuration status not written', { configuration: `${namespace}/${name}`, error });
    return 'Unknown';
  });
  // StatefulSets stored before this configuration existed get Medusa now (GitOps, any order).
  await releaseAwaitingStatefulSets(ctx, configuration);
  const purge = configuration.spec?.purgeBackups !== false;
  for (const dc of await boundDatacenters(ctx, namespace, name)) {
    const scheduleName = purgeScheduleName(dc);
    const existing = await findObject(ctx.kc, 'medusabackupschedules', namespace, scheduleName);
    if (purge && !existing) {
      await createObject(ctx.kc, 'medusabackupschedules', namespace, {
        apiVersion: 'medusa.k8ssandra.io/v1alpha1',
        kind: 'MedusaBackupSchedule',
        metadata: { name: scheduleName, namespace, labels: { 'medusa.k8ssandra.io/purge-for': dc } },
        spec: { cronSchedule: purgeCron, operationType: 'purge', backupSpec: { cassandraDatacenter: dc } },
      });
      await ctx.events.event(
        configuration,
        'Normal',
        'PurgeScheduleCreated',
        `daily purge schedule ${scheduleName} created for ${dc}`,
      );
    }
    if (!purge && existing?.metadata.labels?.['medusa.k8ssandra.io/purge-for'] === dc) {
      await deleteObject(ctx.kc, 'medusabackupschedules', namespace, scheduleName);
      await ctx.events.event(
        configuration,
        'Normal',
        'PurgeScheduleDeleted',
        `purgeBackups is false: ${scheduleName} deleted`,
      );
    }
  }
  // Datacenters bind after the configuration exists, secrets appear later: look again now and then.
  return { requeueAfterMs: ready === 'True' ? 30_000 : Math.max(ctx.timings.pollMs, 1000) };
}
