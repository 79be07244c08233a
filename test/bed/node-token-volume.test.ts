import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { postRender, tokenVolumeName } from './node-token-volume.js';

const deployment = (podSpec: object) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec: ${JSON.stringify(podSpec)}
`;

const render = (...docs: string[]) =>
  parseAllDocuments(postRender(docs.join('---\n'))).map(
    (d) => d.toJS() as { kind: string; spec?: { template?: { spec?: Record<string, unknown> } } },
  );

describe('the node post-renderer (what ServiceAccount admission adds)', () => {
  it('adds the projected token volume and its mount to every container of a pod template', () => {
    const [out] = render(
      deployment({
        containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'x', mountPath: '/x' }] }],
      }),
    );
    const spec = out!.spec!.template!.spec as {
      volumes: { name: string; projected: { sources: object[] } }[];
      containers: { volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[];
    };
    expect(spec.volumes.map((v) => v.name)).toEqual([tokenVolumeName]);
    expect(spec.volumes[0]!.projected.sources).toEqual([
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ]);
    for (const container of spec.containers) {
      expect(container.volumeMounts).toContainEqual({
        name: tokenVolumeName,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
        readOnly: true,
      });
    }
  });

  it('leaves pods that opt out, and objects without pods, as they were', () => {
    const [optOut, service] = render(
      deployment({ automountServiceAccountToken: false, containers: [{ name: 'a' }] }),
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 443}]}\n',
    );
    expect(optOut!.spec!.template!.spec).toEqual({
      automountServiceAccountToken: false,
      containers: [{ name: 'a' }],
    });
    expect(service).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 443 }] },
    });
  });
});
