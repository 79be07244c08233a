// A helm post-renderer for charts installed on the bed's node (helm install --post-renderer
// node_modules/.bin/tsx --post-renderer-args test/bed/node-token-volume.ts): adds to every pod
// template the service-account token volume that the apiserver's ServiceAccount admission plugin
// adds to pods on a real cluster. The bed's apiserver runs without that plugin (test/bed/kube.ts:
// pods of the kubelet stand-in must not need their ServiceAccount to exist first), so without this
// the chart's pods would have no credentials. The kubelet does the rest for real: it requests the
// token (TokenRequest), projects it with kube-root-ca.crt and the namespace, and refreshes it.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';

export const tokenVolumeName = 'kube-api-access';
const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

interface PodSpec {
  automountServiceAccountToken?: boolean;
  volumes?: object[];
  containers?: { volumeMounts?: object[] }[];
  initContainers?: { volumeMounts?: object[] }[];
}

/** The volume and mounts the admission plugin adds (same name prefix, sources and expiry). */
export function addTokenVolume(spec: PodSpec): void {
  if (spec.automountServiceAccountToken === false) return;
  if (spec.volumes?.some((v) => (v as { name?: string }).name === tokenVolumeName)) return;
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name: tokenVolumeName,
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          {
            downwardAPI: {
              items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
            },
          },
        ],
      },
    },
  ];
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    container.volumeMounts = [
      ...(container.volumeMounts ?? []),
      { name: tokenVolumeName, mountPath, readOnly: true },
    ];
  }
}

const workloads = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function postRender(manifests: string): string {
  return parseAllDocuments(manifests)
    .map((doc) => doc.toJS() as { kind?: string; spec?: { template?: { spec?: PodSpec } } } | null)
    .filter((object) => object !== null)
    .map((object) => {
      if (object.kind === 'Pod') addTokenVolume(object.spec as PodSpec);
      else if (workloads.has(object.kind ?? '') && object.spec?.template?.spec) {
        addTokenVolume(object.spec.template.spec);
      }
      return `---\n${stringify(object)}`;
    })
    .join('');
}

if (process.argv[1]?.endsWith('node-token-volume.ts')) {
  process.stdout.write(postRender(readFileSync(0, 'utf8')));
}
