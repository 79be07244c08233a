import type { MedusaConfigurationSpec } from '../crds/index.js';

/** The agent image injected when the MedusaConfiguration does not name one. */
export const defaultAgentImage = {
  registry: 'ghcr.io',
  repository: 'kubectl-medusa',
  name: 'medusa-agent',
  tag: '0.1.0',
  pullPolicy: 'IfNotPresent',
} as const;

export interface ResolvedImage {
  image: string;
  pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** From containerImage.pullSecretRef: added to the pod (k8ssandra-operator forgot to). */
  pullSecret?: string;
}

/**
 * `registry/repository/name:tag`, each non-empty field of containerImage overriding the default,
 * as k8ssandra-operator composes it. The CRD defaults tag to `latest` whenever containerImage is set.
 */
export function resolveImage(containerImage: MedusaConfigurationSpec['containerImage']): ResolvedImage {
  const pick = (value: string | undefined, fallback: string): string =>
    value !== undefined && value !== '' ? value : fallback;
  const registry = pick(containerImage?.registry, defaultAgentImage.registry);
  const repository = pick(containerImage?.repository, defaultAgentImage.repository);
  const name = pick(containerImage?.name, defaultAgentImage.name);
  const tag = pick(containerImage?.tag, defaultAgentImage.tag);
  const resolved: ResolvedImage = {
    image: [registry, repository, name].filter(Boolean).join('/') + `:${tag}`,
    pullPolicy: containerImage?.pullPolicy ?? defaultAgentImage.pullPolicy,
  };
  const pullSecret = containerImage?.pullSecretRef?.name;
  return pullSecret ? { ...resolved, pullSecret } : resolved;
}
