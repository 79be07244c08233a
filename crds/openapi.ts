import { z } from 'zod';

/** A node of a CRD openAPIV3Schema (structural schema). */
export type JsonSchema = { [key: string]: unknown };

const safeMax = Number.MAX_SAFE_INTEGER;
const int32Max = 2 ** 31 - 1;

/**
 * Converts a zod schema into a structural OpenAPI v3 schema the apiserver accepts:
 * zod's own JSON Schema output, minus what CRDs forbid or what zod adds on its own
 * (implicit integer bounds, date-time regexes), with int-or-string and preserve-unknown
 * markers reshaped, and keys sorted so the YAML is stable.
 */
export function toStructuralSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'throw' });
  return normalize(raw as JsonSchema);
}

function normalize(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  delete out.$schema;
  delete out.id;

  if (out.type === 'integer') stripImplicitBounds(out);
  if (out.format === 'date-time') delete out.pattern;

  if (out['x-kubernetes-int-or-string'] === true) {
    const variants = (out.anyOf as JsonSchema[] | undefined) ?? [];
    const pattern = variants.find((v) => v.type === 'string')?.pattern;
    delete out.anyOf;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    if (typeof pattern === 'string') out.pattern = pattern;
  }

  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    out.type = 'object';
    delete out.additionalProperties;
    if (out.properties && Object.keys(out.properties).length === 0) delete out.properties;
  }

  if (out.properties) {
    const props = out.properties as Record<string, JsonSchema>;
    out.properties = Object.fromEntries(
      Object.keys(props)
        .sort()
        .map((key) => [key, normalize(props[key] as JsonSchema)]),
    );
    // An object with declared properties prunes unknown fields; zod's `additionalProperties: {}`
    // (loose objects) is not allowed next to `properties` in a structural schema.
    if (out.additionalProperties !== undefined && isEmptySchema(out.additionalProperties)) {
      delete out.additionalProperties;
    }
  }
  if (Array.isArray(out.required)) {
    out.required = [...(out.required as string[])].sort();
    if ((out.required as string[]).length === 0) delete out.required;
  }
  if (out.items && typeof out.items === 'object') out.items = normalize(out.items as JsonSchema);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') {
    out.additionalProperties = normalize(out.additionalProperties as JsonSchema);
  }
  return sortKeys(out);
}

function stripImplicitBounds(node: JsonSchema): void {
  if (node.maximum === safeMax || (node.format === 'int32' && node.maximum === int32Max)) delete node.maximum;
  if (node.minimum === -safeMax || (node.format === 'int32' && node.minimum === -int32Max - 1))
    delete node.minimum;
}

function isEmptySchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function sortKeys(node: JsonSchema): JsonSchema {
  return Object.fromEntries(
    Object.keys(node)
      .sort()
      .map((key) => [key, node[key]]),
  );
}
