// StatefulSets bound to a MedusaConfiguration that did not exist when they were stored run without
// Medusa, marked on their pod template (webhook/mutate.ts). Once the configuration exists, lifting
// the mark changes the pod template: the webhook injects the medusa containers into that update and
// the StatefulSet rolls its pods onto them (a rolling update; OnDelete waits for the pods' deletion).
import { awaitingConfigurationAnnotation } from '../../crds/binding.js';
import { kubeRequest } from '../../lib/kube-request.js';
import type { MedusaObject } from '../../lib/medusa-api.js';
import type { Context } from '../context.js';

/** JSON Pointer of the mark on the pod template ("/" in the annotation key escaped). */
const markPath = `/spec/template/metadata/annotations/${awaitingConfigurationAnnotation.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Lifts the mark of every StatefulSet of the namespace waiting for this configuration; their names. */
export async function releaseAwaitingStatefulSets(
  ctx: Context,
  configuration: MedusaObject,
): Promise<string[]> {
  const { namespace = '', name } = configuration.metadata;
  const sets = await ctx.apps.listNamespacedStatefulSet({ namespace });
  const waiting = sets.items.filter(
    (s) => s.spec?.template.metadata?.annotations?.[awaitingConfigurationAnnotation] === name,
  );
  const released: string[] = [];
  for (const sts of waiting) {
    const stsName = sts.metadata?.name ?? '';
    let after: { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
    try {
      // `test` first: a mark changed in between (another configuration) is left alone.
      after = await kubeRequest(
        ctx.kc,
        'PATCH',
        `/apis/apps/v1/namespaces/${namespace}/statefulsets/${stsName}`,
        [
          { op: 'test', path: markPath, value: name },
          { op: 'remove', path: markPath },
        ],
        { patchType: 'json' },
      );
    } catch (error) {
      ctx.log.warn('could not lift the awaiting-configuration mark', {
        statefulSet: `${namespace}/${stsName}`,
        error,
      });
      continue;
    }
    // The webhook marks it again while its view of the cluster lacks the configuration: the next
    // resync of the configuration tries again.
    if (after.spec?.template?.metadata?.annotations?.[awaitingConfigurationAnnotation] !== undefined)
      continue;
    released.push(stsName);
    await ctx.events.event(
      configuration,
      'Normal',
      'MedusaInjected',
      `StatefulSet ${stsName} was waiting for this configuration: its pods roll to get the medusa containers`,
    );
  }
  return released;
}
