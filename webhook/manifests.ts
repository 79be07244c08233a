import type {
  V1LabelSelector,
  V1MutatingWebhookConfiguration,
  V1RuleWithOperations,
  V1ValidatingWebhookConfiguration,
  AdmissionregistrationV1WebhookClientConfig as WebhookClientConfig,
} from '@kubernetes/client-node';
import { group as medusaGroup, plurals, version as medusaVersion } from '../crds/index.js';
import { datacenterGroup, datacenterPlural, datacenterVersion } from '../lib/cass-operator.js';
import { routes } from './routes.js';

// The MutatingWebhookConfiguration and ValidatingWebhookConfiguration the server expects, generated
// from one list so that rules and routes cannot drift apart.

export const webhookNames = {
  mutateStatefulSets: 'statefulsets.mutate.medusa.k8ssandra.io',
  validate: 'validate.medusa.k8ssandra.io',
} as const;

const createUpdate: V1RuleWithOperations['operations'] = ['CREATE', 'UPDATE'];

export const mutatingRules: V1RuleWithOperations[] = [
  {
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    operations: createUpdate,
    resources: ['statefulsets'],
    scope: 'Namespaced',
  },
];

export const validatingRules: V1RuleWithOperations[] = [
  {
    apiGroups: [medusaGroup],
    apiVersions: [medusaVersion],
    operations: createUpdate,
    resources: Object.values(plurals),
    scope: 'Namespaced',
  },
  {
    apiGroups: [datacenterGroup],
    apiVersions: [datacenterVersion],
    operations: createUpdate,
    resources: [datacenterPlural],
    scope: 'Namespaced',
  },
  {
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    operations: createUpdate,
    resources: ['statefulsets'],
    scope: 'Namespaced',
  },
];

export interface WebhookManifestOptions {
  /** Name of both configuration objects. */
  name: string;
  /** PEM bundle (base64) of the CA that signed the serving certificate. */
  caBundle: string;
  /** Where the apiserver calls: the webhook Service in a cluster, or a URL (tests, out-of-cluster). */
  target: { service: { namespace: string; name: string; port?: number } } | { url: string };
  /** Namespaces served; by default every namespace except the system ones and `excludeNamespaces`. */
  namespaceSelector?: V1LabelSelector;
  /** The webhook's own namespace, never served (a webhook must not block its own pods). */
  excludeNamespaces?: string[];
  timeoutSeconds?: number;
}

function clientConfig(options: WebhookManifestOptions, path: string): WebhookClientConfig {
  if ('url' in options.target)
    return { url: `${options.target.url.replace(/\/$/, '')}${path}`, caBundle: options.caBundle };
  const { namespace, name, port } = options.target.service;
  return { service: { namespace, name, path, port: port ?? 443 }, caBundle: options.caBundle };
}

function selector(options: WebhookManifestOptions): V1LabelSelector {
  if (options.namespaceSelector) return options.namespaceSelector;
  return {
    matchExpressions: [
      {
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['kube-system', 'kube-public', 'kube-node-lease', ...(options.excludeNamespaces ?? [])],
      },
    ],
  };
}

/**
 * Both configurations. failurePolicy is Fail for both: a StatefulSet created while the webhook is
 * down would otherwise run without backups until its pod template next changes, silently.
 */
export function webhookConfigurations(options: WebhookManifestOptions): {
  mutating: V1MutatingWebhookConfiguration;
  validating: V1ValidatingWebhookConfiguration;
} {
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    timeoutSeconds: options.timeoutSeconds ?? 10,
    namespaceSelector: selector(options),
  };
  return {
    mutating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: options.name },
      webhooks: [
        {
          ...common,
          name: webhookNames.mutateStatefulSets,
          // Injection is idempotent: safe to run again after other webhooks changed the object.
          reinvocationPolicy: 'IfNeeded',
          clientConfig: clientConfig(options, routes.mutateStatefulSets),
          rules: mutatingRules,
        },
      ],
    },
    validating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: options.name },
      webhooks: [
        {
          ...common,
          name: webhookNames.validate,
          clientConfig: clientConfig(options, routes.validate),
          rules: validatingRules,
        },
      ],
    },
  };
}
