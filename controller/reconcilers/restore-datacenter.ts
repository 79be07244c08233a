// The datacenter side of a MedusaRestoreJob: stop it, configure the medusa-restore init container
// on its pod template, start it again, and read its pods. Plain StatefulSets and cass-operator's
// CassandraDatacenters alike.
import type * as k8s from '@kubernetes/client-node';
import { cassOperator, type Datacenter } from '../../lib/datacenter.js';
import { kubeRequest } from '../../lib/kube-request.js';
import {
  restoreEnvironment,
  restoreEnvNames,
  restoreInitContainer,
  type RestoreConfiguration,
} from '../../lib/restore-contract.js';
import type { Context } from '../context.js';

/** Replica count of a plain StatefulSet before the restore stopped it. */
export const replicasAnnotation = 'medusa.k8ssandra.io/replicas-before-restore';

/** The datacenter as it was before the restore scaled it down (replica counts restored). */
export function replicasBeforeRestore(dc: Datacenter): Datacenter {
  return {
    ...dc,
    statefulSets: dc.statefulSets.map((sts) => {
      const before = sts.metadata?.annotations?.[replicasAnnotation];
      return before && sts.spec ? { ...sts, spec: { ...sts.spec, replicas: Number(before) } } : sts;
    }),
  };
}

export function rackOf(dc: Datacenter, pod: string): string {
  const sts = dc.statefulSets.find((s) => pod.startsWith(`${s.metadata?.name ?? ''}-`));
  return sts?.metadata?.labels?.['cassandra.datastax.com/rack'] ?? '';
}

export const podsOf = async (ctx: Context, dc: Datacenter): Promise<k8s.V1Pod[]> =>
  (
    await ctx.core.listNamespacedPod({
      namespace: dc.namespace,
      ...(dc.podSelector ? { labelSelector: dc.podSelector } : {}),
    })
  ).items;

export const isReady = (pod: k8s.V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export async function stopDatacenter(ctx: Context, dc: Datacenter): Promise<void> {
  if (dc.kind === 'CassandraDatacenter') {
    if (!dc.stopped) await patchCassDc(ctx, dc, { spec: { stopped: true } });
    return;
  }
  for (const sts of await freshStatefulSets(ctx, dc)) {
    const replicas = sts.spec?.replicas ?? 0;
    if (replicas === 0) continue;
    await kubeRequest(
      ctx.kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${dc.namespace}/statefulsets/${sts.metadata?.name}`,
      {
        metadata: { annotations: { [replicasAnnotation]: String(replicas) } },
        spec: { replicas: 0 },
      },
      { patchType: 'merge' },
    );
  }
}

export async function startDatacenter(ctx: Context, dc: Datacenter): Promise<void> {
  if (dc.kind === 'CassandraDatacenter') {
    await patchCassDc(ctx, dc, { spec: { stopped: false } });
    return;
  }
  for (const sts of await freshStatefulSets(ctx, dc)) {
    const before = sts.metadata?.annotations?.[replicasAnnotation];
    if (before === undefined) continue;
    await kubeRequest(
      ctx.kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${dc.namespace}/statefulsets/${sts.metadata?.name}`,
      {
        metadata: { annotations: { [replicasAnnotation]: null } },
        spec: { replicas: Number(before) },
      },
      { patchType: 'merge' },
    );
  }
}

/** The datacenter's StatefulSets as they are now (a reconcile may have changed them since it read). */
const freshStatefulSets = (ctx: Context, dc: Datacenter) =>
  Promise.all(
    dc.statefulSets.map((sts) =>
      ctx.apps.readNamespacedStatefulSet({ name: sts.metadata?.name ?? '', namespace: dc.namespace }),
    ),
  );

const patchCassDc = (ctx: Context, dc: Datacenter, patch: Record<string, unknown>) =>
  kubeRequest(
    ctx.kc,
    'PATCH',
    `/apis/${cassOperator.group}/${cassOperator.version}/namespaces/${dc.namespace}/${cassOperator.plural}/${dc.name}`,
    patch,
    { patchType: 'merge' },
  );

/**
 * Sets (or, with undefined, removes) the restore env of the medusa-restore init container in the
 * pod template of every StatefulSet of the datacenter. cass-operator datacenters get it through
 * spec.podTemplateSpec, which cass-operator merges into its StatefulSets by container name.
 */
export async function configureRestore(
  ctx: Context,
  dc: Datacenter,
  restore: RestoreConfiguration | undefined,
): Promise<void> {
  const withEnv = (env: k8s.V1EnvVar[] | undefined) => restoreContainerEnv(env, restore);
  if (dc.kind === 'CassandraDatacenter') {
    const cassdc = (await kubeRequest(
      ctx.kc,
      'GET',
      `/apis/${cassOperator.group}/${cassOperator.version}/namespaces/${dc.namespace}/${cassOperator.plural}/${dc.name}`,
    )) as {
      spec?: { podTemplateSpec?: { spec?: { initContainers?: k8s.V1Container[] } } };
    };
    const inits = cassdc.spec?.podTemplateSpec?.spec?.initContainers ?? [];
    const others = inits.filter((c) => c.name !== restoreInitContainer);
    const current = inits.find((c) => c.name === restoreInitContainer);
    await patchCassDc(ctx, dc, {
      spec: {
        podTemplateSpec: {
          spec: {
            initContainers: [
              ...others,
              { ...(current ?? { name: restoreInitContainer }), env: withEnv(current?.env) },
            ],
          },
        },
      },
    });
    return;
  }
  for (const sts of dc.statefulSets) {
    const fresh = await ctx.apps.readNamespacedStatefulSet({
      name: sts.metadata?.name ?? '',
      namespace: dc.namespace,
    });
    const inits = fresh.spec?.template.spec?.initContainers ?? [];
    const index = inits.findIndex((c) => c.name === restoreInitContainer);
    if (index < 0) continue; // not injected: nothing can restore here (validated by the webhook)
    await kubeRequest(
      ctx.kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${dc.namespace}/statefulsets/${fresh.metadata?.name}`,
      [
        { op: 'test', path: `/spec/template/spec/initContainers/${index}/name`, value: restoreInitContainer },
        {
          op: 'replace',
          path: `/spec/template/spec/initContainers/${index}/env`,
          value: withEnv(inits[index]?.env),
        },
      ],
      { patchType: 'json' },
    );
  }
}

/** The init container's env with the restore set (or, with undefined, every restore variable removed). */
export function restoreContainerEnv(
  env: k8s.V1EnvVar[] | undefined,
  restore: RestoreConfiguration | undefined,
): k8s.V1EnvVar[] {
  return [
    ...(env ?? []).filter((e) => !restoreEnvNames.includes(e.name)),
    ...(restore ? restoreEnvironment(restore) : []),
  ];
}
