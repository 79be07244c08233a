import { validateMedusaBackup, validateMedusaTask } from '../../crds/index.js';
import { fromSchema, type Findings } from './result.js';

// Kinds with nothing to check beyond their schema (and, on update, their immutable spec).

export function validateTask(object: unknown, out: Findings): void {
  const checked = validateMedusaTask(object);
  if (!checked.ok) out.causes.push(...fromSchema(checked.errors));
}

export function validateBackup(object: unknown, out: Findings): void {
  const checked = validateMedusaBackup(object);
  if (!checked.ok) out.causes.push(...fromSchema(checked.errors));
}
