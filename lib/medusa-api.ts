// Low-level access to medusa.k8ssandra.io objects, with exact int64 JSON (tokens). Used by the
// controller, the agent and the plugin; "try again" answers are retried (lib/kube-retry.ts), callers
// handle the rest.
import type { KubeConfig } from '@kubernetes/client-node';
import { group, version } from '../crds/common.js';
import { customPath, KubeApiError, kubeRequest } from './kube-request.js';
import { sameIntent } from './kube-retry.js';

export interface MedusaObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export const medusaPath = (plural: string, namespace?: string, name?: string, subresource?: string) =>
  customPath(group, version, plural, namespace, name, subresource);

export async function listObjects<T extends MedusaObject>(
  kc: KubeConfig,
  plural: string,
  namespace?: string,
  labelSelector?: string,
): Promise<T[]> {
  const query = labelSelector ? { labelSelector } : undefined;
  return (
    await kubeRequest<{ items: T[] }>(
      kc,
      'GET',
      medusaPath(plural, namespace),
      undefined,
      query ? { query } : {},
    )
  ).items;
}

export const getObject = <T extends MedusaObject>(
  kc: KubeConfig,
  plural: string,
  namespace: string,
  name: string,
) => kubeRequest<T>(kc, 'GET', medusaPath(plural, namespace, name));

/** The object, or undefined when it does not exist. */
export async function findObject<T extends MedusaObject>(
  kc: KubeConfig,
  plural: string,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  try {
    return await getObject<T>(kc, plural, namespace, name);
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return undefined;
    throw error;
  }
}

/**
 * Creates the object. A create whose answer was lost is retried; the 409 that follows is success
 * when the object that exists is the one we sent (same labels, annotations, owners and spec).
 */
export const createObject = <T extends MedusaObject>(
  kc: KubeConfig,
  plural: string,
  namespace: string,
  body: T,
) =>
  kubeRequest<T>(kc, 'POST', medusaPath(plural, namespace), body, {
    isOurs: (existing) => sameIntent(body, existing),
  });

/** JSON merge patch of metadata or spec. */
export const patchObject = <T extends MedusaObject>(
  kc: KubeConfig,
  plural: string,
  namespace: string,
  name: string,
  patch: Record<string, unknown>,
) => kubeRequest<T>(kc, 'PATCH', medusaPath(plural, namespace, name), patch, { patchType: 'merge' });

/** JSON merge patch of the status subresource. */
export const patchStatus = <T extends MedusaObject>(
  kc: KubeConfig,
  plural: string,
  namespace: string,
  name: string,
  status: Record<string, unknown>,
) =>
  kubeRequest<T>(
    kc,
    'PATCH',
    medusaPath(plural, namespace, name, 'status'),
    { status },
    { patchType: 'merge' },
  );

export async function deleteObject(
  kc: KubeConfig,
  plural: string,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await kubeRequest(kc, 'DELETE', medusaPath(plural, namespace, name));
  } catch (error) {
    if (!(error instanceof KubeApiError && error.code === 404)) throw error;
  }
}

/** metav1.Time as Kubernetes writes it: RFC 3339, whole seconds. */
export const kubeTime = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, 'Z');
