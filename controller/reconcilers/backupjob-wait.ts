// Before a MedusaBackupJob starts: is its datacenter there, with every pod created, running
// Medusa and Ready? GitOps applies a folder in any order, so a job may come before its datacenter, its pods,
// or the MedusaConfiguration the pods wait for; as in k8ssandra-operator the job waits for them
// (here with a deadline, Timings.datacenterWaitMs) instead of failing at once.
import type * as k8s from '@kubernetes/client-node';
import { awaitingConfigurationAnnotation, configurationAnnotation } from '../../crds/binding.js';
import { findObject } from '../../lib/medusa-api.js';
import { bucketSecretOf, missingSecretForPods, secretPresence } from '../../lib/secret-presence.js';
import { expectedPods, findDatacenter } from '../../lib/datacenter.js';
import { sidecarName } from '../../webhook/inject/containers.js';
import type { Context } from '../context.js';

/** A pod of the datacenter as the wait reads it. */
export interface SeenPod {
  name: string;
  /** The MedusaConfiguration its template waits for (webhook: injected once it exists). */
  awaitingConfiguration?: string;
  /** It runs the medusa sidecar but is not Ready yet (Cassandra or the agent still starting). */
  starting?: boolean;
}

export type DatacenterVerdict = { ready: true; pods: string[] } | { ready: false; reason: string };

const list = (names: string[]) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');

/** Pure: whether the job can start on these pods, else why it waits. */
export function datacenterVerdict(
  dcName: string,
  namespace: string,
  expected: string[] | undefined,
  seen: SeenPod[],
): DatacenterVerdict {
  if (!expected) return { ready: false, reason: `datacenter ${dcName} not found in namespace ${namespace}` };
  if (expected.length === 0) return { ready: false, reason: `datacenter ${dcName} has no pods yet` };
  const missing = expected.filter((pod) => !seen.some((p) => p.name === pod));
  if (missing.length > 0) {
    return {
      ready: false,
      reason: `pods of datacenter ${dcName} not created yet: ${list(missing)}`,
    };
  }
  const waiting = seen.filter((p) => expected.includes(p.name) && p.awaitingConfiguration !== undefined);
  const first = waiting[0];
  if (first) {
    return {
      ready: false,
      reason: `pods of datacenter ${dcName} run without Medusa until MedusaConfiguration "${first.awaitingConfiguration}" exists in namespace ${namespace}: ${list(waiting.map((p) => p.name))}`,
    };
  }
  // The agents' watchdog counts from the start of the job: a node still bootstrapping (cass-operator
  // starts them one by one) would be failed as "never started the backup".
  const starting = seen.filter((p) => expected.includes(p.name) && p.starting);
  if (starting.length > 0) {
    return {
      ready: false,
      reason: `pods of datacenter ${dcName} not Ready yet: ${list(starting.map((p) => p.name))}`,
    };
  }
  return { ready: true, pods: expected };
}

const seenPod = (pod: k8s.V1Pod): SeenPod => {
  const awaiting = pod.metadata?.annotations?.[awaitingConfigurationAnnotation];
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const sidecar = pod.spec?.containers.some((c) => c.name === sidecarName) ?? false;
  return {
    name: pod.metadata?.name ?? '',
    ...(awaiting ? { awaitingConfiguration: awaiting } : {}),
    ...(sidecar && !ready ? { starting: true } : {}),
  };
};

/** The verdict for a job's datacenter, read from the API (the datacenter, its StatefulSets and pods). */
export async function checkDatacenter(
  ctx: Context,
  namespace: string,
  dcName: string,
): Promise<DatacenterVerdict> {
  const dc = await findDatacenter(ctx, namespace, dcName);
  const expected = dc ? expectedPods(dc) : undefined;
  if (!dc || !expected?.length) return datacenterVerdict(dcName, namespace, expected, []);
  const pods = await ctx.core.listNamespacedPod({
    namespace,
    ...(dc.podSelector ? { labelSelector: dc.podSelector } : {}),
  });
  // A pod on its way out is not the pod the job will run on.
  const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp).map(seenPod);
  const verdict = datacenterVerdict(dcName, namespace, expected, live);
  if (verdict.ready) return verdict;
  const secret = await missingBucketSecret(ctx, namespace, dc.annotations[configurationAnnotation]);
  return secret ? { ready: false, reason: `${verdict.reason}; ${secret}` } : verdict;
}

/**
 * Pods that cannot mount the bucket secret never start, and a kubelet says so only in a FailedMount
 * Event on the pod: the job's own wait names the secret and the namespace instead.
 */
async function missingBucketSecret(
  ctx: Context,
  namespace: string,
  configuration: string | undefined,
): Promise<string | undefined> {
  if (!configuration) return undefined;
  const object = await findObject(ctx.kc, 'medusaconfigurations', namespace, configuration);
  const secret = bucketSecretOf(object?.spec);
  if (!secret) return undefined;
  const presence = await secretPresence(ctx.kc, namespace, secret);
  return presence.state === 'missing' ? missingSecretForPods(secret, namespace, configuration) : undefined;
}
