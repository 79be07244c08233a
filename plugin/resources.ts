// Reading and writing medusa.k8ssandra.io objects, with API errors explained. Requests go through
// lib/kube-request so Cassandra tokens (int64) survive exactly.
import { group, version } from '../crds/common.js';
import { customPath, kubeRequest } from '../lib/kube-request.js';
import { explainApiError, type Kube } from './kube.js';

export interface MedusaResource {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const path = (plural: string, namespace?: string, name?: string) =>
  customPath(group, version, plural, namespace, name);

/** Lists objects of a plural in the current namespace, or every namespace with -A. */
export async function listResources<T extends MedusaResource>(kube: Kube, plural: string): Promise<T[]> {
  try {
    return (await kubeRequest<{ items: T[] }>(kube.config, 'GET', path(plural, kube.listNamespace))).items;
  } catch (error) {
    throw explainApiError(error, { verb: 'list', resource: plural, namespace: kube.listNamespace });
  }
}

export async function getResource<T extends MedusaResource>(
  kube: Kube,
  plural: string,
  name: string,
): Promise<T> {
  try {
    return await kubeRequest<T>(kube.config, 'GET', path(plural, kube.namespace, name));
  } catch (error) {
    throw explainApiError(error, { verb: 'get', resource: plural, namespace: kube.namespace, name });
  }
}

export async function createResource<T extends MedusaResource>(
  kube: Kube,
  plural: string,
  body: T,
): Promise<T> {
  try {
    return await kubeRequest<T>(kube.config, 'POST', path(plural, kube.namespace), body);
  } catch (error) {
    throw explainApiError(error, {
      verb: 'create',
      resource: plural,
      namespace: kube.namespace,
      name: body.metadata.name,
    });
  }
}

/** JSON merge patch of an object's spec or metadata. */
export async function patchResource<T extends MedusaResource>(
  kube: Kube,
  plural: string,
  name: string,
  patch: Record<string, unknown>,
): Promise<T> {
  try {
    return await kubeRequest<T>(kube.config, 'PATCH', path(plural, kube.namespace, name), patch, {
      patchType: 'merge',
    });
  } catch (error) {
    throw explainApiError(error, { verb: 'patch', resource: plural, namespace: kube.namespace, name });
  }
}

export async function deleteResource(kube: Kube, plural: string, name: string): Promise<void> {
  try {
    await kubeRequest(kube.config, 'DELETE', path(plural, kube.namespace, name));
  } catch (error) {
    throw explainApiError(error, { verb: 'delete', resource: plural, namespace: kube.namespace, name });
  }
}

export const qualifiedName = (plural: string, name: string) => `${plural.replace(/s$/, '')}.${group}/${name}`;
