// The Helm chart on the bed's real node (issue 15): `helm install` of charts/kubectl-medusa with the
// image built here (scripts/images.ts, imported into the node's containerd) gives a Ready pod run by
// a real kubelet; `kubectl logs` works; the controller reaches the apiserver with the pod's projected
// service-account token; and the apiserver calls the webhook through the chart's Service (kube-proxy)
// with the chart's TLS. The node is started here when it is not up (and stopped again); a machine
// where it cannot start fails this file with the reason.
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageName } from '../../scripts/images.js';
import { down, isUp, up } from '../bed/bed.js';
import { kubeconfigPath } from '../bed/kube.js';
import { nodeProductImage } from '../bed/node.js';
import { nodeName, nodeTaint } from '../bed/node-config.js';
import { artefacts, bedDir, repoRoot } from '../bed/paths.js';
import { adminConfig, installCrds, kubectl, testNamespace } from '../support/kube.js';

const run = promisify(execFile);
const chartDir = join(repoRoot, 'charts', 'kubectl-medusa');
const release = `node-${process.pid}-${Date.now().toString(36)}`;
const fullname = `${release}-kubectl-medusa`;
const validatingWebhook = 'validate.medusa.k8ssandra.io';
const helmHome = mkdtempSync(join(tmpdir(), 'medusa-node-chart-'));

const kc = adminConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);

let nodeWasUp = true;
let namespace = '';
let served = '';
const removeNamespaces: (() => Promise<void>)[] = [];
let podName = '';
let imageRef = '';

const helm = async (...args: string[]): Promise<string> =>
  (
    await run(artefacts.helm, args, {
      env: {
        ...process.env,
        KUBECONFIG: kubeconfigPath,
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      },
      maxBuffer: 16 * 1024 * 1024,
    })
  ).stdout;

const configuration = (name: string, storageProperties: object) => ({
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind: 'MedusaConfiguration',
  metadata: { name, namespace: served },
  spec: { storageProperties },
});
const storage = {
  storageProvider: 's3_compatible',
  bucketName: `node-chart-${process.pid}`,
  host: '127.0.0.1',
  port: 19000,
  secure: false,
  storageSecretRef: { name: 'minio-credentials' },
};

async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const body = (error as { body?: unknown }).body;
    return typeof body === 'string' ? body : JSON.stringify(body ?? String(error));
  }
  throw new Error('the apiserver accepted the object');
}

beforeAll(async () => {
  // The node (and the product image it runs) come up here when they are not up already.
  nodeWasUp = isUp('node');
  await up(['kube', 'node']);
  imageRef = nodeProductImage(); // what `npm run images` built when the node started
  await installCrds();
  const ns = await testNamespace('node-chart');
  const servedNs = await testNamespace('node-chart-served');
  namespace = ns.name;
  served = servedNs.name;
  removeNamespaces.push(ns.remove, servedNs.remove);
}, 900_000);

afterAll(async () => {
  // No `helm uninstall --wait` (tens of seconds of pod termination): the webhook configurations go
  // first, so that the apiserver stops calling the pod, then the cluster-scoped objects by name, and
  // the namespaces take the rest; the node's stop kills what still runs.
  await admission.deleteMutatingWebhookConfiguration({ name: fullname }).catch(() => undefined);
  await admission.deleteValidatingWebhookConfiguration({ name: fullname }).catch(() => undefined);
  for (const role of ['controller', 'webhook', 'agent']) {
    await rbac.deleteClusterRole({ name: `${fullname}-${role}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `${fullname}-${role}` }).catch(() => undefined);
  }
  for (const remove of removeNamespaces) await remove();
  rmSync(helmHome, { recursive: true, force: true });
  // A node left up would take every pod that tolerates it: stop it when this file started it (also
  // after a start that failed half-way).
  if (!nodeWasUp) await down(['node']);
}, 180_000);

describe('the chart on a real node', () => {
  it('the node is Ready, tainted for the pods that ask for it', async () => {
    const node = await core.readNode({ name: nodeName });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.spec?.taints).toEqual([expect.objectContaining(nodeTaint)]);
    expect(await kubectl('get', 'nodes', nodeName, '--no-headers')).toMatch(/^localhost\s+Ready\s/);
  });

  it('helm install with the image built here gives a Running, Ready pod whose logs kubectl reads', async () => {
    const ref = imageRef;
    const values = join(helmHome, 'values.json');
    writeFileSync(
      values,
      JSON.stringify({
        image: { repository: imageName, tag: ref.slice(imageName.length + 1), pullPolicy: 'Never' },
        replicas: 1,
        watchNamespace: served,
        leaderElection: { namespace },
        webhook: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': served } } },
        tolerations: [{ key: nodeTaint.key, operator: 'Exists', effect: nodeTaint.effect }],
      }),
    );
    const t0 = Date.now();
    await helm(
      'install',
      release,
      chartDir,
      '-n',
      namespace,
      '-f',
      values,
      '--post-renderer',
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      '--post-renderer-args',
      join(bedDir, 'node-token-volume.ts'),
      '--wait',
      '--timeout',
      '180s',
    );
    const pods = await core.listNamespacedPod({ namespace });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    podName = pod.metadata!.name!;
    expect(pod.spec?.nodeName).toBe(nodeName);
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^10\.244\.0\./);
    expect(pod.status?.containerStatuses?.map((c) => [c.name, c.ready, c.restartCount]).sort()).toEqual([
      ['controller', true, 0],
      ['webhook', true, 0],
    ]);
    console.log(`[node-chart] pod Ready ${((Date.now() - t0) / 1000).toFixed(1)}s after helm install`);

    // The containers' stderr, through the apiserver and the kubelet: JSON lines of our processes.
    for (const container of ['webhook', 'controller']) {
      const logs = await kubectl('logs', '-n', namespace, podName, '-c', container);
      const lines = logs.trim().split('\n').filter(Boolean);
      expect(lines.length, container).toBeGreaterThan(0);
      expect(() => JSON.parse(lines[0]!) as unknown, `${container}: ${lines[0]}`).not.toThrow();
    }
  });

  it("the controller holds the Lease: it reached the apiserver with the pod's projected token", async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const lease = await coordination
        .readNamespacedLease({ name: 'kubectl-medusa-controller', namespace })
        .catch(() => undefined);
      if (lease?.spec?.holderIdentity === podName) break;
      if (Date.now() > deadline) {
        throw new Error(`no Lease held by ${podName}: ${JSON.stringify(lease?.spec)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });

  it("the apiserver calls the webhook through the chart's Service: a bad field denied, a good configuration admitted", async () => {
    // kube-proxy programs the Service's endpoint asynchronously: until then the call fails.
    const deadline = Date.now() + 60_000;
    let message = '';
    for (let probe = 0; ; probe++) {
      message = await refusal(
        custom.createNamespacedCustomObject({
          group: 'medusa.k8ssandra.io',
          version: 'v1alpha1',
          namespace: served,
          plural: 'medusaconfigurations',
          body: configuration(`bad-${probe}`, { ...storage, transferMaxBandwidth: 'fast' }),
        }),
      );
      if (message.includes(`admission webhook \\"${validatingWebhook}\\" denied the request`)) break;
      if (Date.now() > deadline) throw new Error(`the webhook was not reached within 60s: ${message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(message).toContain('spec.storageProperties.transferMaxBandwidth');

    const created = await custom.createNamespacedCustomObject({
      group: 'medusa.k8ssandra.io',
      version: 'v1alpha1',
      namespace: served,
      plural: 'medusaconfigurations',
      body: configuration('good', storage),
    });
    expect(created).toMatchObject({ metadata: { name: 'good', namespace: served } });
  });
});
