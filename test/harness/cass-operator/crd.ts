import type * as k8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeRequest } from '../../../lib/kube-request.js';

// A minimal CassandraDatacenter CRD (cass-operator's cassandra.datastax.com/v1beta1): the fields
// the stand-in reads are typed, everything else is kept as given, like the real schema would.

export const datacenterCrdName = 'cassandradatacenters.cassandra.datastax.com';

const preserved = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

export const datacenterCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: datacenterCrdName },
  spec: {
    group: 'cassandra.datastax.com',
    scope: 'Namespaced',
    names: {
      kind: 'CassandraDatacenter',
      listKind: 'CassandraDatacenterList',
      plural: 'cassandradatacenters',
      singular: 'cassandradatacenter',
      shortNames: ['cassdc', 'cassdcs'],
    },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName' },
          { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
          { name: 'Stopped', type: 'boolean', jsonPath: '.spec.stopped' },
          { name: 'Progress', type: 'string', jsonPath: '.status.cassandraOperatorProgress' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                ...preserved,
                properties: {
                  clusterName: { type: 'string' },
                  datacenterName: { type: 'string' },
                  serverType: { type: 'string' },
                  serverVersion: { type: 'string' },
                  size: { type: 'integer', format: 'int32', minimum: 0 },
                  stopped: { type: 'boolean' },
                  racks: {
                    type: 'array',
                    items: { ...preserved, required: ['name'], properties: { name: { type: 'string' } } },
                  },
                  podTemplateSpec: preserved,
                  storageConfig: preserved,
                },
              },
              status: preserved,
            },
          },
        },
      },
    ],
  },
};

/**
 * Installs (server-side apply, so a permissive stand-in installed by another test is upgraded in
 * place) and waits until the apiserver serves it.
 */
export async function installDatacenterCrd(kubeConfig: k8s.KubeConfig): Promise<void> {
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${datacenterCrdName}`;
  await kubeRequest(kubeConfig, 'PATCH', path, datacenterCrd, {
    patchType: 'apply',
    query: { fieldManager: 'kubectl-medusa-harness', force: 'true' },
  });
  for (let attempt = 0; attempt < 120; attempt++) {
    const crd = await kubeRequest<{ status?: { conditions?: { type: string; status: string }[] } }>(
      kubeConfig,
      'GET',
      path,
    );
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await sleep(500);
  }
  throw new Error(`${datacenterCrdName} not established after 60 s`);
}
