import type { V1StatefulSet } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import {
  allPodsServiceName,
  api,
  type CassandraDatacenter,
  rackLabels,
  rackStatefulSetName,
  datacenterLabels,
  labels,
} from './datacenter.js';
import { rackPodTemplate } from './pod-template.js';

// The StatefulSet cass-operator keeps for one rack.

/** Hash of what we want in a StatefulSet, as cass-operator's resource-hash annotation. */
export const resourceHashAnnotation = 'cassandra.datastax.com/resource-hash';
/** The datacenter generation whose spec the StatefulSet template was last built from. */
export const generationAnnotation = 'harness.kubectl-medusa.test/datacenter-generation';
/** Binding annotations the webhook reads from the StatefulSet. */
export const copiedAnnotationPrefix = 'medusa.k8ssandra.io/';

export function medusaAnnotations(dc: CassandraDatacenter): Record<string, string> {
  return Object.fromEntries(
    Object.entries(dc.metadata.annotations ?? {}).filter(([key]) => key.startsWith(copiedAnnotationPrefix)),
  );
}

export function rackStatefulSet(dc: CassandraDatacenter, rack: string, replicas: number): V1StatefulSet {
  const selector = {
    ...datacenterLabels(dc),
    [labels.rack]: rackLabels(dc, rack)[labels.rack] ?? rack,
  };
  const template = rackPodTemplate(dc, rack);
  const claim = dc.spec.storageConfig?.cassandraDataVolumeClaimSpec;
  const hash = createHash('sha256').update(JSON.stringify({ template, claim })).digest('base64');
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: rackStatefulSetName(dc, rack),
      namespace: dc.metadata.namespace,
      labels: rackLabels(dc, rack),
      annotations: {
        ...medusaAnnotations(dc),
        [resourceHashAnnotation]: hash,
        [generationAnnotation]: String(dc.metadata.generation ?? 0),
      },
      ownerReferences: [
        {
          apiVersion: `${api.group}/${api.version}`,
          kind: 'CassandraDatacenter',
          name: dc.metadata.name,
          uid: dc.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      serviceName: allPodsServiceName(dc),
      replicas,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template,
      ...(claim
        ? {
            volumeClaimTemplates: [
              { metadata: { name: 'server-data', labels: datacenterLabels(dc) }, spec: claim },
            ],
          }
        : {}),
    },
  };
}
