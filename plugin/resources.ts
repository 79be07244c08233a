// Reading and writing medusa.k8ssandra.io objects, with API errors explained. Requests go through
// lib/kube-request so Cassandra tokens (int64) survive exactly.
import { group } from '../crds/common.js';
import { kubeRequest } from '../lib/kube-request.js';
import {
  createObject,
  getObject,
  listObjects,
  medusaPath,
  patchObject,
  type MedusaObject,
} from '../lib/medusa-api.js';
import { explainApiError, type Kube } from './kube.js';

export type MedusaResource = MedusaObject;

/** Lists objects of a plural in the current namespace, or every namespace with -A. */
export async function listResources<T extends MedusaResource>(kube: Kube, plural: string): Promise<T[]> {
  try {
    return await listObjects<T>(kube.config, plural, kube.listNamespace);
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
    return await getObject<T>(kube.config, plural, kube.namespace, name);
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
    return await createObject<T>(kube.config, plural, kube.namespace, body);
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
    return await patchObject<T>(kube.config, plural, kube.namespace, name, patch);
  } catch (error) {
    throw explainApiError(error, { verb: 'patch', resource: plural, namespace: kube.namespace, name });
  }
}

export async function deleteResource(kube: Kube, plural: string, name: string): Promise<void> {
  try {
    await kubeRequest(kube.config, 'DELETE', medusaPath(plural, kube.namespace, name));
  } catch (error) {
    throw explainApiError(error, { verb: 'delete', resource: plural, namespace: kube.namespace, name });
  }
}

export const qualifiedName = (plural: string, name: string) => `${plural.replace(/s$/, '')}.${group}/${name}`;
