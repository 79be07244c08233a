import type { z } from 'zod';

/** One reason an object is invalid, at a field path such as `spec.storageProperties.host`. */
export interface FieldError {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface ValidateOptions {
  /**
   * `error` (default) refuses fields the schema does not declare, as the apiserver does for
   * kubectl (strict field validation); `ignore` drops them, as the apiserver's pruning does.
   */
  unknownFields?: 'error' | 'ignore';
}

/** `spec.nodes[0].host` from zod's ['spec', 'nodes', 0, 'host']. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields of `input` that parsing dropped: zod strips what a schema does not declare. */
function droppedFields(input: unknown, output: unknown, path: PropertyKey[] = []): string[] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((item, i) => droppedFields(item, output[i], [...path, i]));
  }
  if (!isObject(input) || !isObject(output)) return [];
  return Object.keys(input).flatMap((key) =>
    key in output ? droppedFields(input[key], output[key], [...path, key]) : [formatPath([...path, key])],
  );
}

/**
 * Validates an object against a kind's schema as the apiserver would on create (schema and CEL
 * rules on `self`; transition rules need the old object and are left to the apiserver).
 * On success, `value` has the CRD defaults applied.
 */
export function validateKind<S extends z.ZodType>(
  kind: { schema: S },
  obj: unknown,
  options: ValidateOptions = {},
): ValidationResult<z.output<S>> {
  const result = kind.schema.safeParse(obj);
  if (!result.success) {
    return {
      ok: false,
      errors: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    };
  }
  if (options.unknownFields !== 'ignore') {
    const unknown = droppedFields(obj, result.data);
    if (unknown.length > 0) {
      return { ok: false, errors: unknown.map((path) => ({ path, message: `unknown field "${path}"` })) };
    }
  }
  return { ok: true, value: result.data };
}
