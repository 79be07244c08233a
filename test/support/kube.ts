// Helpers for integration tests against the test bed's kube-apiserver.
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeconfigPath } from '../bed/kube.js';
import { repoRoot } from '../bed/paths.js';

const run = promisify(execFile);

export function adminConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

export const kubectl = async (...args: string[]): Promise<string> =>
  (await run('kubectl', ['--kubeconfig', kubeconfigPath, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;

/** Applies the medusa.k8ssandra.io CRDs (idempotent: server-side apply), without waiting. */
export async function applyCrds(): Promise<void> {
  await kubectl(
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=kubectl-medusa-crds',
    '-f',
    join(repoRoot, 'crds', 'all.yaml'),
  );
}

/** Installs the medusa.k8ssandra.io CRDs and waits until they are served. */
export async function installCrds(): Promise<void> {
  await applyCrds();
  await kubectl(
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    '-f',
    join(repoRoot, 'crds', 'all.yaml'),
  );
}

/** Creates a namespace for one test file; returns a function deleting it. */
export async function testNamespace(prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const core = adminConfig().makeApiClient(k8s.CoreV1Api);
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}`.slice(0, 63);
  await core.createNamespace({ body: { metadata: { name, labels: { 'medusa-test': prefix } } } });
  return { name, remove: async () => void (await core.deleteNamespace({ name }).catch(() => undefined)) };
}

/** A StatefulSet shaped like a Cassandra datacenter, optionally bound to a MedusaConfiguration. */
export function cassandraStatefulSet(
  name: string,
  options: { replicas?: number; annotations?: Record<string, string>; labels?: Record<string, string> } = {},
): k8s.V1StatefulSet {
  const labels = { app: name, ...options.labels };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, annotations: options.annotations ?? {}, labels },
    spec: {
      serviceName: name,
      replicas: options.replicas ?? 3,
      // Every pod is created at once, Pending without a kubelet, as cass-operator's StatefulSets do:
      // a backup job starts once all of its datacenter's pods exist (backupjob-wait.ts).
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'cassandra', image: 'cassandra:5.0', ports: [{ containerPort: 9042, name: 'cql' }] },
          ],
        },
      },
    },
  };
}
