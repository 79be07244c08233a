import type { z } from 'zod';

/** One reason an object is invalid, at a field path such as `spec.storageProperties.host`. */
export interface FieldError {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** `spec.nodes[0].host` from zod's ['spec', 'nodes', 0, 'host']. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

/**
 * Validates an object against a kind's schema as the apiserver would on create (schema and CEL
 * rules on `self`; transition rules need the old object and are left to the apiserver).
 * On success, `value` has the CRD defaults applied.
 */
export function validateKind<S extends z.ZodType>(
  kind: { schema: S },
  obj: unknown,
): ValidationResult<z.output<S>> {
  const result = kind.schema.safeParse(obj);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  };
}
