import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { crdMeta, int32, int64, localObjectReference, quantity, time, withRules } from './common.js';
import { toStructuralSchema, type JsonSchema } from './openapi.js';
import { buildCrd, kinds } from './index.js';

describe('toStructuralSchema', () => {
  it('drops the integer bounds zod adds but keeps the ones a schema declares', () => {
    const schema = z.object({ a: int32(), b: int64(), c: int32().min(1), d: z.int() });
    expect(toStructuralSchema(schema).properties).toEqual({
      a: { type: 'integer', format: 'int32' },
      b: { type: 'integer', format: 'int64' },
      c: { type: 'integer', format: 'int32', minimum: 1 },
      d: { type: 'integer' },
    });
  });

  it('emits date-time without zod’s regex, quantities as int-or-string', () => {
    const out = toStructuralSchema(z.object({ t: time(), q: quantity() })).properties as JsonSchema;
    expect(out.t).toEqual({ type: 'string', format: 'date-time' });
    expect(out.q).toMatchObject({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
    expect(out.q).toHaveProperty('pattern');
  });

  it('keeps defaults off the required list and sorts keys', () => {
    const out = toStructuralSchema(
      z.object({ z: z.string(), a: z.string().default('x'), m: z.string().optional() }),
    );
    expect(Object.keys(out.properties as object)).toEqual(['a', 'm', 'z']);
    expect(out.required).toEqual(['z']);
    expect((out.properties as JsonSchema).a).toEqual({ type: 'string', default: 'x' });
  });

  it('accumulates CEL rules from nested withRules calls and keeps metadata', () => {
    const inner = withRules(crdMeta(z.object({ a: z.string() }), { description: 'd' }), [
      { rule: 'self.a != ""', message: 'a empty' },
    ]);
    const outer = withRules(inner, [{ rule: 'self == oldSelf', message: 'immutable' }]);
    const out = toStructuralSchema(outer);
    expect(out.description).toBe('d');
    expect(out['x-kubernetes-validations']).toEqual([
      { rule: 'self.a != ""', message: 'a empty' },
      { rule: 'self == oldSelf', message: 'immutable' },
    ]);
    expect(outer.safeParse({ a: '' }).success).toBe(true); // no TS check given: left to the apiserver
  });

  it('marks object references atomic with a defaulted name', () => {
    expect(toStructuralSchema(localObjectReference())).toEqual({
      type: 'object',
      properties: { name: { type: 'string', default: '' } },
      'x-kubernetes-map-type': 'atomic',
    });
  });
});

/** Every node of a schema, with its path. */
function* walk(node: JsonSchema, path: string): Generator<[string, JsonSchema]> {
  yield [path, node];
  for (const [key, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
    yield* walk(child, `${path}.${key}`);
  }
  if (node.items) yield* walk(node.items as JsonSchema, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    yield* walk(node.additionalProperties as JsonSchema, `${path}{}`);
  }
}

describe('generated CRDs are structural', () => {
  it.each(kinds.map((k) => [k.kind, k] as const))('%s', (_, kind) => {
    const crd = buildCrd(kind) as { spec: { versions: { schema: { openAPIV3Schema: JsonSchema } }[] } };
    const root = crd.spec.versions[0]?.schema.openAPIV3Schema as JsonSchema;
    expect(JSON.stringify(root)).not.toMatch(
      /"\$ref"|"\$schema"|"additionalProperties":false|"allOf"|"oneOf"/,
    );
    for (const [path, node] of walk(root, '')) {
      const typed = typeof node.type === 'string' || node['x-kubernetes-int-or-string'] === true;
      expect(typed, `${path} has no type`).toBe(true);
      expect(node.properties !== undefined && node.additionalProperties !== undefined, path).toBe(false);
    }
  });
});
