import * as k8s from '@kubernetes/client-node';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiserverUrl, controlPlaneCa, kubeconfigPath } from '../../bed/kube.js';
import { MissingReference } from './api-reads.js';

// The kubelet mounts a token of the pod's service account at
// /var/run/secrets/kubernetes.io/serviceaccount; a process here finds the API through KUBECONFIG
// instead, written next to the same files. `admin` hands out the harness's own kubeconfig (its
// KUBECONFIG, else the test bed's admin one).

export type ApiAccess = 'service-account' | 'admin';
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ApiCredentials {
  kubeconfig: string;
  /** The token folder (service-account access only), mapped from serviceAccountMountPath. */
  dir?: string;
}

const notFound = (error: unknown) => (error as { code?: number }).code === 404;

export async function mountApiCredentials(
  kubeConfig: k8s.KubeConfig,
  pod: k8s.V1Pod,
  podDir: string,
  access: ApiAccess,
): Promise<ApiCredentials | undefined> {
  if (pod.spec?.automountServiceAccountToken === false) return undefined;
  if (access === 'admin') return { kubeconfig: process.env.KUBECONFIG ?? kubeconfigPath };
  const namespace = pod.metadata?.namespace ?? '';
  const account = pod.spec?.serviceAccountName ?? 'default';
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const request = await core
    .createNamespacedServiceAccountToken({
      name: account,
      namespace,
      body: {
        spec: {
          audiences: [],
          expirationSeconds: 24 * 3600,
          // Bound to the pod when it names its account; without the ServiceAccount admission plugin
          // (disabled on the bed) a pod that names none cannot be bound to `default`.
          ...(pod.spec?.serviceAccountName
            ? {
                boundObjectRef: {
                  apiVersion: 'v1',
                  kind: 'Pod',
                  name: pod.metadata?.name,
                  uid: pod.metadata?.uid,
                },
              }
            : {}),
        },
      },
    })
    .catch((error: unknown) => {
      if (notFound(error))
        throw new MissingReference('FailedMount', `serviceaccount "${account}" not found in ${namespace}`);
      throw error;
    });
  const token = request.status?.token ?? '';
  const dir = join(podDir, 'serviceaccount');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(join(dir, 'namespace'), namespace);
  copyFileSync(controlPlaneCa().cert, join(dir, 'ca.crt'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster:
    server: ${apiserverUrl}
    certificate-authority: ${join(dir, 'ca.crt')}
users:
- name: ${account}
  user:
    token: ${token}
contexts:
- name: pod
  context:
    cluster: testbed
    user: ${account}
    namespace: ${namespace}
current-context: pod
`,
    { mode: 0o600 },
  );
  return { kubeconfig, dir };
}
