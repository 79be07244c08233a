import * as k8s from '@kubernetes/client-node';
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrying } from '../../lib/kube-retry.js';
import { controlPlaneCa, kubeconfigPath } from '../bed/kube.js';
import { runDir } from '../bed/paths.js';
import { issueCert, pemBase64 } from '../bed/pki.js';

// Smoke tests proving the control plane is a real kube-apiserver: CRDs, watches, admission webhooks.
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath);
const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
// A new CRD's objects answer 429 for a moment (storage initializing): retried as the product does.
const custom = retrying(kc.makeApiClient(k8s.CustomObjectsApi));
const core = kc.makeApiClient(k8s.CoreV1Api);
const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);

const group = 'smoke.testbed.medusa.io';
const crdName = `widgets.${group}`;
const namespace = `testbed-smoke-${process.pid}`;

describe('kube-apiserver', () => {
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // A killed earlier run left its CRD: remove it, and wait until it is gone.
    await extensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    for (let i = 0; i < 120; i++) {
      const left = await extensions.readCustomResourceDefinition({ name: crdName }).then(
        () => true,
        () => false,
      );
      if (!left) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await extensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
  });

  it('installs a CRD, then creates and watches a custom resource', async () => {
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object', // client-node's typed model calls the field `_default`; a raw `default` key is dropped.
                      properties: { size: { type: 'integer', _default: 3 } },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await expect
      .poll(
        async () => {
          const crd = await extensions.readCustomResourceDefinition({ name: crdName });
          return crd.status?.conditions?.find((c) => c.type === 'Established')?.status;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe('True');

    const seen: string[] = [];
    let resolveAdded!: (obj: { spec: { size: number } }) => void;
    const added = new Promise<{ spec: { size: number } }>((resolve) => (resolveAdded = resolve));
    // A new CRD's watch cache answers 429 while it initialises, and such a watch ends at once. A real
    // client watches again, so do we: without a resourceVersion, a new watch first lists what exists
    // as ADDED events, so nothing created in between is missed.
    const watch = new k8s.Watch(kc);
    let request: AbortController | undefined;
    let done = false;
    const deadline = Date.now() + 60_000;
    const again = () => {
      if (!done && Date.now() < deadline) setTimeout(() => void start(), 500);
    };
    const start = async (): Promise<void> => {
      request = await watch
        .watch(
          `/apis/${group}/v1/namespaces/${namespace}/widgets`,
          {},
          (type: string, obj: { metadata: { name: string }; spec: { size: number } }) => {
            seen.push(`${type} ${obj.metadata.name}`);
            if (type === 'ADDED') resolveAdded(obj);
          },
          again,
        )
        .catch(() => {
          again();
          return undefined;
        });
    };
    await start();
    await custom.createNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural: 'widgets',
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: {} },
    });
    const obj = await added;
    done = true;
    expect(seen).toContain('ADDED w1');
    // The apiserver applied the schema default, which only a real structural-schema server does.
    expect(obj.spec.size).toBe(3);
    request?.abort();
  });

  it('calls a validating webhook registered by URL and returns its denial to the client', async () => {
    const certDir = join(runDir, 'kube', 'smoke-webhook');
    const serving = issueCert(controlPlaneCa(), certDir, 'webhook', 'smoke-webhook', ['IP:127.0.0.1']);
    const reviews: { request: { uid: string; name: string; operation: string } }[] = [];
    const server: Server = createServer(
      { cert: readFileSync(serving.cert), key: readFileSync(serving.key) },
      (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const review = JSON.parse(body) as { request: { uid: string; name: string; operation: string } };
          reviews.push(review);
          const denied = review.request.name.startsWith('forbidden-');
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              response: {
                uid: review.request.uid,
                allowed: !denied,
                status: denied ? { code: 403, message: 'smoke webhook says no to forbidden-*' } : undefined,
              },
            }),
          );
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const configName = `smoke-validating-${process.pid}`;
    try {
      await admission.createValidatingWebhookConfiguration({
        body: {
          metadata: { name: configName },
          webhooks: [
            {
              name: 'configmaps.smoke.testbed.medusa.io',
              admissionReviewVersions: ['v1'],
              sideEffects: 'None',
              failurePolicy: 'Fail',
              clientConfig: {
                url: `https://127.0.0.1:${port}/validate`,
                caBundle: pemBase64(controlPlaneCa().cert),
              },
              rules: [
                { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
              ],
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
            },
          ],
        },
      });
      // Webhook configuration takes effect asynchronously: retry until the webhook has been called.
      let denial = '';
      await expect
        .poll(
          async () => {
            try {
              await core.createNamespacedConfigMap({
                namespace,
                body: { metadata: { name: `forbidden-${Date.now()}` } },
              });
              return 'allowed';
            } catch (error) {
              denial = String((error as { body?: string }).body ?? error);
              return denial.includes('smoke webhook says no') ? 'denied' : 'other';
            }
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe('denied');
      expect(denial).toContain('configmaps.smoke.testbed.medusa.io');
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'allowed-one' } } });
      expect(reviews.map((r) => r.request.name)).toContain('allowed-one');
      expect(reviews.every((r) => r.request.operation === 'CREATE')).toBe(true);
    } finally {
      await admission.deleteValidatingWebhookConfiguration({ name: configName }).catch(() => undefined);
      server.close();
    }
  });
});
