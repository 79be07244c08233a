// Reading and writing medusa.k8ssandra.io objects, with API errors explained.
import { group, version } from '../crds/common.js';
import { explainApiError, type Kube } from './kube.js';

export interface MedusaResource {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    creationTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** Lists objects of a plural in the current namespace, or every namespace with -A. */
export async function listResources<T extends MedusaResource>(kube: Kube, plural: string): Promise<T[]> {
  try {
    const list = (
      kube.listNamespace === undefined
        ? await kube.custom.listClusterCustomObject({ group, version, plural })
        : await kube.custom.listNamespacedCustomObject({
            group,
            version,
            plural,
            namespace: kube.listNamespace,
          })
    ) as { items: T[] };
    return list.items;
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
    return (await kube.custom.getNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: kube.namespace,
      name,
    })) as T;
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
    return (await kube.custom.createNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: kube.namespace,
      body,
    })) as T;
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
  const { setHeaderOptions, PatchStrategy } = await import('@kubernetes/client-node');
  try {
    return (await kube.custom.patchNamespacedCustomObject(
      { group, version, plural, namespace: kube.namespace, name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as T;
  } catch (error) {
    throw explainApiError(error, { verb: 'patch', resource: plural, namespace: kube.namespace, name });
  }
}

export async function deleteResource(kube: Kube, plural: string, name: string): Promise<void> {
  try {
    await kube.custom.deleteNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: kube.namespace,
      name,
    });
  } catch (error) {
    throw explainApiError(error, { verb: 'delete', resource: plural, namespace: kube.namespace, name });
  }
}

export const qualifiedName = (plural: string, name: string) => `${plural.replace(/s$/, '')}.${group}/${name}`;
