// Whether a MedusaConfiguration's bucket secret exists in a namespace: the one owner of that lookup
// and of what we say when it is missing, for the controller (configuration conditions, a backup
// job waiting for pods that cannot mount it) and the webhook (a warning when a datacenter binds).
// The secret is read as metadata only (PartialObjectMetadata): its data never reaches us, so it
// cannot reach logs, status or Events.
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest, KubeApiError } from './kube-request.js';
import type { RetryOptions } from './kube-retry.js';

const metadataOnly = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export type SecretPresence =
  | { state: 'present' }
  | { state: 'missing' }
  /** RBAC does not allow a get of secrets there: not checked. */
  | { state: 'forbidden' }
  | { state: 'unreadable'; detail: string };

/** The bucket secret a configuration spec names, or undefined when it uses none (role-based, local). */
export function bucketSecretOf(spec: { storageProperties?: unknown } | undefined): string | undefined {
  const ref = (spec?.storageProperties as { storageSecretRef?: { name?: unknown } } | undefined)
    ?.storageSecretRef;
  return typeof ref?.name === 'string' && ref.name !== '' ? ref.name : undefined;
}

export async function secretPresence(
  kc: KubeConfig,
  namespace: string,
  secret: string,
  retry: RetryOptions = { attempts: 2 },
): Promise<SecretPresence> {
  try {
    await kubeRequest(
      kc,
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secret)}`,
      undefined,
      { accept: metadataOnly, retry },
    );
    return { state: 'present' };
  } catch (error) {
    const code = error instanceof KubeApiError ? error.code : 0;
    if (code === 404) return { state: 'missing' };
    if (code === 403) return { state: 'forbidden' };
    return { state: 'unreadable', detail: code ? `HTTP ${code}` : (error as Error).message };
  }
}

/** "secret <name> not found in namespace <ns>": the words every place that reports it uses. */
export const secretNotFound = (secret: string, namespace: string): string =>
  `secret ${secret} not found in namespace ${namespace}`;

/** Why pods bound to a configuration whose secret is missing do not start (they mount it). */
export const missingSecretForPods = (secret: string, namespace: string, configuration: string): string =>
  `${secretNotFound(secret, namespace)} (storageProperties.storageSecretRef.name of MedusaConfiguration ` +
  `"${configuration}"): the medusa containers mount it, so the pods stay in ContainerCreating until ` +
  `it exists in namespace ${namespace}`;
