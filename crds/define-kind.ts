import { z } from 'zod';
import { apiVersion } from './common.js';

/** additionalPrinterColumns entry. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** The part of ObjectMeta that validate<Kind>() looks at; the apiserver owns the rest. */
export const objectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export interface KindInput<Spec extends z.ZodType, Status extends z.ZodType> {
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  description: string;
  spec: Spec;
  status: Status;
  printerColumns: PrinterColumn[];
}

export function defineKind<const K extends string, Spec extends z.ZodType, Status extends z.ZodType>(
  input: KindInput<Spec, Status> & { kind: K },
) {
  // spec is optional at the top level, as in the k8ssandra-operator CRDs (Go `omitempty`).
  const schema = z.object({
    apiVersion: z.literal(apiVersion),
    kind: z.literal(input.kind),
    metadata: objectMetaSchema,
    spec: input.spec.optional(),
    status: input.status.optional(),
  });
  return { ...input, listKind: `${input.kind}List`, schema };
}

export type KindDefinition = ReturnType<typeof defineKind<string, z.ZodType, z.ZodType>>;
