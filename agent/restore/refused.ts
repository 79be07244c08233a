// What a node restore throws when it stops before changing the node, and the path wall every
// restore path goes through.
import { resolve, sep } from 'node:path';

/**
 * A restore that stopped before anything on the node was changed (data, commit log, cassandra.yaml):
 * bad manifest, missing or different objects, no space, Cassandra running, a failed download.
 */
export class RestoreRefused extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RestoreRefused';
  }
}

/** The second wall behind manifest validation: every path a restore creates or removes stays inside its root. */
export function assertInside(root: string, path: string, what: string): string {
  const base = resolve(root);
  const target = resolve(path);
  if (target !== base && !target.startsWith(base + sep))
    throw new RestoreRefused(`${what} ${target} is outside ${base}: refusing to touch it`);
  return target;
}

export const listNames = (names: readonly string[], max = 10): string =>
  names.slice(0, max).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');
