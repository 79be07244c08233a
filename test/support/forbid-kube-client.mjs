// Node module hook for tests: loading @kubernetes/client-node fails, to prove a code path never loads it.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@kubernetes/client-node')) throw new Error('the Kubernetes client was loaded');
  return next(specifier, context);
}`),
);
