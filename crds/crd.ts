import type { KindDefinition } from './define-kind.js';
import { group, version } from './common.js';
import { toStructuralSchema, type JsonSchema } from './openapi.js';

/** apiextensions.k8s.io/v1 CustomResourceDefinition for one kind. */
export function buildCrd(kind: KindDefinition): JsonSchema {
  const root: JsonSchema = {
    description: kind.description,
    type: 'object',
    properties: {
      apiVersion: {
        description: 'APIVersion defines the versioned schema of this representation of an object.',
        type: 'string',
      },
      kind: {
        description: 'Kind is a string value representing the REST resource this object represents.',
        type: 'string',
      },
      metadata: { type: 'object' },
      spec: toStructuralSchema(kind.spec),
      status: toStructuralSchema(kind.status),
    },
  };
  const versionEntry: JsonSchema = {
    name: version,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: root },
    subresources: { status: {} },
  };
  if (kind.printerColumns.length > 0) versionEntry.additionalPrinterColumns = kind.printerColumns;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${group}`,
      labels: { 'app.kubernetes.io/part-of': 'kubectl-medusa' },
    },
    spec: {
      group,
      names: {
        kind: kind.kind,
        listKind: kind.listKind,
        plural: kind.plural,
        singular: kind.singular,
        ...(kind.shortNames ? { shortNames: kind.shortNames } : {}),
      },
      scope: 'Namespaced',
      versions: [versionEntry],
    },
  };
}
