import type { V1Container } from '@kubernetes/client-node';
import { MissingReference, type ReferenceReader } from './api-reads.js';
import { fieldValue, type PodIdentity } from './field-ref.js';

// A container's environment as the kubelet builds it: envFrom first, then env in order, with
// $(VAR) references to variables defined before expanded ($$ escapes them).

export function expandReferences(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && name in env ? (env[name] ?? '') : match;
  });
}

export async function resolveEnv(
  container: V1Container,
  identity: PodIdentity,
  reader: ReferenceReader,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const where = `container ${container.name}`;
  for (const source of container.envFrom ?? []) {
    const ref = source.secretRef ?? source.configMapRef;
    if (!ref) continue;
    const kind = source.secretRef ? 'secret' : 'configmap';
    const data = source.secretRef
      ? await reader.secret(ref.name ?? '')
      : await reader.configMap(ref.name ?? '');
    if (!data) {
      if (ref.optional) continue;
      throw new MissingReference('CreateContainerConfigError', `${kind} "${ref.name}" not found (${where})`);
    }
    for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value.toString();
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expandReferences(variable.value ?? '', env);
      continue;
    }
    if (from.fieldRef) {
      const value = fieldValue(from.fieldRef.fieldPath, identity);
      if (value === undefined)
        throw new MissingReference(
          'CreateContainerConfigError',
          `unsupported fieldRef ${from.fieldRef.fieldPath} (${where})`,
        );
      env[variable.name] = value;
      continue;
    }
    const ref = from.secretKeyRef ?? from.configMapKeyRef;
    if (ref) {
      const kind = from.secretKeyRef ? 'secret' : 'configmap';
      const data = from.secretKeyRef
        ? await reader.secret(ref.name ?? '')
        : await reader.configMap(ref.name ?? '');
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        const missing = data
          ? `key "${ref.key}" not found in ${kind} "${ref.name}"`
          : `${kind} "${ref.name}" not found`;
        throw new MissingReference('CreateContainerConfigError', `${missing} (${where})`);
      }
      env[variable.name] = value.toString();
      continue;
    }
    // resourceFieldRef: no resource accounting here; the kubelet would give the node's capacity.
    if (from.resourceFieldRef) env[variable.name] = '0';
  }
  return env;
}
