import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationAnnotation, prefixAnnotation } from '../../crds/index.js';
import { KubeApiError, kubeRequest } from '../../lib/kube-request.js';
import { createLogger } from '../../lib/log.js';
import { kubeClusterReader } from '../../webhook/cluster.js';
import { webhookConfigurations } from '../../webhook/manifests.js';
import { createWebhookServer, type WebhookServer } from '../../webhook/server.js';
import { controlPlaneCa } from '../bed/kube.js';
import { runDir } from '../bed/paths.js';
import { issueCert, pemBase64 } from '../bed/pki.js';
import { datacenterCrdName, installDatacenterCrd } from '../harness/cass-operator/crd.js';
import { adminConfig, installCrds } from '../support/kube.js';

// Issue 21: for a moment after a CRD is created or its spec changes, kube-apiserver answers requests
// for its objects with 429 "storage is (re)initializing" (Retry-After: 1). The webhook reads
// CassandraDatacenters to decide on a StatefulSet; it used to deny with "could not decide: ... HTTP
// 429". Here the CassandraDatacenter CRD's spec changes (a printer column added, then removed: the
// bed is left as found) and a bound StatefulSet is created at once, with no wait.

const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const namespace = `medusa-crd-retry-${suffix}`;
const scopeLabel = 'medusa-crd-retry-test';
const configurationName = `medusa-crd-retry-${suffix}`;
const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${datacenterCrdName}`;
const probeColumn = 'MedusaRetryProbe';
const dcList = `/apis/cassandra.datastax.com/v1beta1/namespaces/${namespace}/cassandradatacenters`;

interface Crd {
  spec: { versions: { additionalPrinterColumns?: { name: string }[] }[] };
}

/** Adds or removes our printer column: a spec change, so the apiserver re-creates the CRD's storage. */
async function toggleProbeColumn(): Promise<void> {
  const crd = await kubeRequest<Crd>(kc, 'GET', crdPath);
  const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
  const index = columns.findIndex((c) => c.name === probeColumn);
  const patch =
    index >= 0
      ? [
          { op: 'test', path: `/spec/versions/0/additionalPrinterColumns/${index}/name`, value: probeColumn },
          { op: 'remove', path: `/spec/versions/0/additionalPrinterColumns/${index}` },
        ]
      : [
          {
            op: 'add',
            path: '/spec/versions/0/additionalPrinterColumns/-',
            value: { name: probeColumn, type: 'string', jsonPath: '.metadata.name' },
          },
        ];
  await kubeRequest(kc, 'PATCH', crdPath, patch, { patchType: 'json' });
}

async function removeProbeColumn(): Promise<void> {
  const crd = await kubeRequest<Crd>(kc, 'GET', crdPath);
  if (crd.spec.versions[0]?.additionalPrinterColumns?.some((c) => c.name === probeColumn))
    await toggleProbeColumn();
}

/** A StatefulSet shaped like cass-operator's, bound on its own annotations (the webhook reads the DC). */
const boundStatefulSet = (name: string): k8s.V1StatefulSet => {
  const labels = {
    'cassandra.datastax.com/cluster': 'retry',
    'cassandra.datastax.com/datacenter': name,
    'cassandra.datastax.com/rack': 'default',
  };
  return {
    metadata: {
      name,
      labels,
      annotations: { [configurationAnnotation]: 'medusa', [prefixAnnotation]: `retry-${suffix}` },
    },
    spec: {
      replicas: 0, // no pods: the object's admission is what is looked at
      serviceName: name,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'cassandra',
              image: 'cassandra:5.0',
              volumeMounts: [
                { name: 'server-data', mountPath: '/var/lib/cassandra' },
                { name: 'server-config', mountPath: '/etc/cassandra' },
              ],
            },
          ],
          volumes: [
            { name: 'server-data', emptyDir: {} },
            { name: 'server-config', emptyDir: {} },
          ],
        },
      },
    },
  };
};

/** A MedusaConfiguration: its validation lists the namespace's CassandraDatacenters. */
const createConfiguration = (name: string) =>
  custom.createNamespacedCustomObject({
    group: 'medusa.k8ssandra.io',
    version: 'v1alpha1',
    plural: 'medusaconfigurations',
    namespace,
    body: {
      apiVersion: 'medusa.k8ssandra.io/v1alpha1',
      kind: 'MedusaConfiguration',
      metadata: { name },
      spec: {
        storageProperties: {
          storageProvider: 'local',
          bucketName: `retry-${suffix}`,
          localVolume: { hostPath: { path: join(runDir, 'crd-retry'), type: 'DirectoryOrCreate' } },
        },
      },
    },
  }) as Promise<{ metadata: { uid?: string } }>;

let webhook: WebhookServer;

beforeAll(async () => {
  await installCrds();
  await installDatacenterCrd(kc);
  await removeProbeColumn(); // a run killed half-way left it
  const serving = issueCert(
    controlPlaneCa(),
    join(runDir, 'kube', 'webhook-crd-retry'),
    'webhook',
    'medusa-webhook',
    ['IP:127.0.0.1'],
  );
  webhook = await createWebhookServer({
    certificates: serving,
    reader: kubeClusterReader(kc),
    log: createLogger('webhook', { level: 'warn' }),
  });
  const port = await webhook.listen(0, '127.0.0.1');
  await core.createNamespace({ body: { metadata: { name: namespace, labels: { [scopeLabel]: suffix } } } });
  await createConfiguration('medusa');
  const { mutating, validating } = webhookConfigurations({
    name: configurationName,
    caBundle: pemBase64(controlPlaneCa().cert),
    target: { url: `https://127.0.0.1:${port}` },
    namespaceSelector: { matchLabels: { [scopeLabel]: suffix } },
  });
  await admission.createMutatingWebhookConfiguration({ body: mutating });
  await admission.createValidatingWebhookConfiguration({ body: validating });
  // Registrations take effect asynchronously: wait until a StatefulSet comes back mutated.
  for (let probe = 0, deadline = Date.now() + 30_000; ; probe++) {
    const sts = await apps.createNamespacedStatefulSet({
      namespace,
      body: boundStatefulSet(`probe-${probe}`),
    });
    if (sts.spec?.template.spec?.containers.some((c) => c.name === 'medusa')) break;
    if (Date.now() > deadline) throw new Error('the webhook was not called within 30s');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
});

afterAll(async () => {
  await admission.deleteMutatingWebhookConfiguration({ name: configurationName }).catch(() => undefined);
  await admission.deleteValidatingWebhookConfiguration({ name: configurationName }).catch(() => undefined);
  await removeProbeColumn().catch(() => undefined);
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await webhook?.stop(2000);
});

describe('a CRD that just changed', () => {
  it('is answered with 429 and Retry-After for a moment (the fault this file is about)', async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 12 && !statuses.includes(429); round++) {
      await toggleProbeColumn();
      for (let i = 0; i < 10; i++) {
        // One attempt each: the raw answers, not retried.
        const status = await kubeRequest(kc, 'GET', dcList, undefined, { retry: { attempts: 1 } }).then(
          () => 200,
          (e: unknown) => (e instanceof KubeApiError ? e.code : -1),
        );
        statuses.push(status);
      }
    }
    expect(statuses, statuses.join(' ')).toContain(429);
  });

  it('a MedusaConfiguration created at once is admitted, every time (its check lists CassandraDatacenters)', async () => {
    for (let round = 0; round < 6; round++) {
      await toggleProbeColumn();
      const created = await createConfiguration(`config-${round}`);
      expect(created.metadata.uid).toBeTruthy();
    }
  });

  it('a bound StatefulSet created at once is admitted and injected, every time', async () => {
    for (let round = 0; round < 4; round++) {
      await toggleProbeColumn();
      const created = await apps.createNamespacedStatefulSet({
        namespace,
        body: boundStatefulSet(`dc-${round}`),
      });
      expect(created.spec?.template.spec?.containers.map((c) => c.name)).toContain('medusa');
      expect(created.spec?.template.spec?.initContainers?.map((c) => c.name)).toContain('medusa-restore');
    }
  });
});
