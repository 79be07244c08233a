import { describe, expect, it } from 'vitest';
import { plurals } from '../crds/index.js';
import { webhookConfigurations } from './manifests.js';

describe('webhookConfigurations', () => {
  it('points both webhooks at the service paths the server serves, failing closed', () => {
    const { mutating, validating } = webhookConfigurations({
      name: 'kubectl-medusa',
      caBundle: 'Q0E=',
      target: { service: { namespace: 'medusa-system', name: 'medusa-webhook' } },
      excludeNamespaces: ['medusa-system'],
    });
    const mutate = mutating.webhooks?.[0];
    const validate = validating.webhooks?.[0];
    expect(mutate?.clientConfig.service).toEqual({
      namespace: 'medusa-system',
      name: 'medusa-webhook',
      path: '/mutate/statefulsets',
      port: 443,
    });
    expect(validate?.clientConfig.service?.path).toBe('/validate');
    expect([mutate?.failurePolicy, validate?.failurePolicy, mutate?.sideEffects]).toEqual([
      'Fail',
      'Fail',
      'None',
    ]);
    expect(mutate?.namespaceSelector?.matchExpressions?.[0]?.values).toEqual([
      'kube-system',
      'kube-public',
      'kube-node-lease',
      'medusa-system',
    ]);
    expect(validate?.rules?.[0]?.resources).toEqual(Object.values(plurals));
    expect(validate?.rules?.map((r) => r.resources?.[0])).toContain('cassandradatacenters');
  });

  it('uses a URL when given one', () => {
    const { mutating } = webhookConfigurations({
      name: 'n',
      caBundle: 'Q0E=',
      target: { url: 'https://127.0.0.1:9443/' },
    });
    expect(mutating.webhooks?.[0]?.clientConfig).toEqual({
      url: 'https://127.0.0.1:9443/mutate/statefulsets',
      caBundle: 'Q0E=',
    });
  });
});
