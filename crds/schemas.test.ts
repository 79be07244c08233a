import { describe, expect, it } from 'vitest';
import { invalidExamples, validExamples } from './examples/index.js';
import { validators } from './index.js';

describe('validate<Kind> on the documented examples', () => {
  it.each(validExamples.map((e) => [e.title, e] as const))(
    'accepts %s and applies the CRD defaults',
    (_, example) => {
      const result = validators[example.manifest.kind](example.manifest);
      if (!result.ok) expect.fail(JSON.stringify(result.errors));
      expect(result.value.spec).toEqual(example.expectedSpec);
    },
  );

  it.each(invalidExamples.map((e) => [e.title, e] as const))('refuses %s, naming the field', (_, example) => {
    const result = validators[example.manifest.kind](example.manifest);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = result.errors.find((e) => e.path === example.field);
    expect(error, `errors: ${JSON.stringify(result.errors)}`).toBeDefined();
  });
});
