import type { FieldError } from '../../crds/index.js';
import type { Cause } from '../admission/review.js';
import type { ClusterReader } from '../cluster.js';

/** What a validator finds: refusals (every one, with its field path) and soft warnings. */
export interface Findings {
  causes: Cause[];
  warnings: string[];
}

export interface ValidationContext {
  namespace: string;
  reader: ClusterReader;
  now: Date;
}

export const findings = (): Findings => ({ causes: [], warnings: [] });

export function fromSchema(errors: FieldError[]): Cause[] {
  return errors.map((e) => ({ field: e.path === '' ? '<root>' : e.path, message: e.message }));
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Strings that would break a generated config line or a log line. */
export const hasControlCharacters = (text: string): boolean =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
