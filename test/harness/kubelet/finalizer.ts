import type * as k8s from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeApiError, kubeRequest } from '../../../lib/kube-request.js';

// The stand-in holds a finalizer on the pods it runs, so that a deleted pod stays Terminating until
// its processes and Cassandra node have stopped, as with a kubelet (an unscheduled pod would
// otherwise vanish at once and the StatefulSet controller would replace it while Cassandra runs).

export const kubeletFinalizer = 'harness.kubectl-medusa.test/kubelet';

const podPath = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/pods/${name}`;

const gone = (error: unknown) => error instanceof KubeApiError && (error.code === 404 || error.code === 409);

/** Adds or removes the finalizer, guarded by uid and resourceVersion; retried on conflicts. */
async function editFinalizers(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  name: string,
  uid: string,
  edit: (finalizers: string[]) => string[],
): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const pod = await kubeRequest<V1Pod>(kubeConfig, 'GET', podPath(namespace, name)).catch((e: unknown) =>
      gone(e) ? undefined : Promise.reject(e),
    );
    if (!pod || pod.metadata?.uid !== uid) return;
    const current = pod.metadata.finalizers ?? [];
    const wanted = edit(current);
    if (wanted.length === current.length && wanted.every((f, i) => f === current[i])) return;
    try {
      await kubeRequest(
        kubeConfig,
        'PATCH',
        podPath(namespace, name),
        { metadata: { uid, resourceVersion: pod.metadata.resourceVersion, finalizers: wanted } },
        { patchType: 'merge' },
      );
      return;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.code === 409)) {
        if (gone(error)) return;
        throw error;
      }
    }
  }
}

export const addFinalizer = (kc: k8s.KubeConfig, namespace: string, name: string, uid: string) =>
  editFinalizers(kc, namespace, name, uid, (list) =>
    list.includes(kubeletFinalizer) ? list : [...list, kubeletFinalizer],
  );

export const removeFinalizer = (kc: k8s.KubeConfig, namespace: string, name: string, uid: string) =>
  editFinalizers(kc, namespace, name, uid, (list) => list.filter((f) => f !== kubeletFinalizer));
