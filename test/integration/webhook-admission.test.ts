import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationAnnotation, prefixAnnotation } from '../../crds/index.js';
import { createLogger } from '../../lib/log.js';
import { kubeClusterReader } from '../../webhook/cluster.js';
import { webhookConfigurations, webhookNames } from '../../webhook/manifests.js';
import { createWebhookServer, routes, type WebhookServer } from '../../webhook/server.js';
import { controlPlaneCa, kubeconfigPath } from '../bed/kube.js';
import { installDatacenterCrd } from '../harness/cass-operator/crd.js';
import type { CassandraDatacenter } from '../harness/cass-operator/datacenter.js';
import { copiedAnnotationPrefix, rackStatefulSet } from '../harness/cass-operator/statefulset.js';
import { runDir } from '../bed/paths.js';
import { issueCert, pemBase64 } from '../bed/pki.js';
import { adminConfig, installCrds } from '../support/kube.js';

// The medusa webhook registered by URL on the test bed's kube-apiserver: what users see when they
// create StatefulSets and medusa objects in a namespace the webhook serves.

const kc = adminConfig();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
const admissionApi = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const namespace = `medusa-webhook-${suffix}`;
const scopeLabel = 'medusa-webhook-test';
const configurationName = `medusa-webhook-test-${suffix}`;
const validatingWebhook = webhookNames.validate;

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: object[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};
interface Res {
  group: string;
  version: string;
  plural: string;
}
const res = {
  sts: { group: 'apps', version: 'v1', plural: 'statefulsets' },
  dc: { group: 'cassandra.datastax.com', version: 'v1beta1', plural: 'cassandradatacenters' },
  config: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', plural: 'medusaconfigurations' },
  backup: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', plural: 'medusabackups' },
  backupJob: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', plural: 'medusabackupjobs' },
  restoreJob: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', plural: 'medusarestorejobs' },
  schedule: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', plural: 'medusabackupschedules' },
  task: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', plural: 'medusatasks' },
} satisfies Record<string, Res>;
const kindOf: Record<string, Res> = {
  StatefulSet: res.sts,
  CassandraDatacenter: res.dc,
  MedusaConfiguration: res.config,
  MedusaBackup: res.backup,
  MedusaBackupJob: res.backupJob,
  MedusaRestoreJob: res.restoreJob,
  MedusaBackupSchedule: res.schedule,
  MedusaTask: res.task,
};

// Raw objects through CustomObjectsApi (works for apps/v1 too): typed models would drop fields.
const create = (r: Res, body: object, ns = namespace) =>
  custom.createNamespacedCustomObject({ ...r, namespace: ns, body }) as Promise<Obj>;
const read = (r: Res, name: string, ns = namespace) =>
  custom.getNamespacedCustomObject({ ...r, namespace: ns, name }) as Promise<Obj>;
const replace = (r: Res, name: string, body: object) =>
  custom.replaceNamespacedCustomObject({ ...r, namespace, name, body }) as Promise<Obj>;
const patchStatus = (r: Res, name: string, status: object) =>
  custom.patchNamespacedCustomObjectStatus({ ...r, namespace, name, body: { status } }, mergePatch);

async function retryOnConflict<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof k8s.ApiException && error.code === 409) || attempt >= 10) throw error;
    }
  }
}

/** The apiserver's message for a refused call; fails the test when the call succeeded. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof k8s.ApiException) {
      const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
      return (JSON.parse(body) as { message: string }).message;
    }
    throw error;
  }
  return expect.fail('the apiserver accepted an invalid object');
}

const medusa = (kind: string, name: string, spec: object, annotations?: Record<string, string>) => ({
  apiVersion: 'medusa.k8ssandra.io/v1alpha1',
  kind,
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});

const bucket = `wh-${suffix}`;
const storage = {
  storageProvider: 's3_compatible',
  // A bucket of our own: webhooks of other tests on this apiserver check prefixes cluster-wide.
  bucketName: bucket,
  host: '127.0.0.1',
  port: 9000,
  secure: false,
  storageSecretRef: { name: 'minio-credentials' },
};

function datacenter(
  name: string,
  cluster: string,
  annotations: Record<string, string> = {},
  extra: object = {},
) {
  return {
    apiVersion: 'cassandra.datastax.com/v1beta1',
    kind: 'CassandraDatacenter',
    metadata: { name, annotations },
    spec: { clusterName: cluster, serverType: 'cassandra', serverVersion: '5.0.4', size: 3, ...extra },
  };
}

/** A StatefulSet as cass-operator builds it for rack `default` of a datacenter. */
function cassOperatorStatefulSet(cluster: string, dc: { name: string; uid?: string }) {
  const labels = {
    'cassandra.datastax.com/cluster': cluster,
    'cassandra.datastax.com/datacenter': dc.name,
    'cassandra.datastax.com/rack': 'default',
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: `${cluster}-${dc.name}-default-sts`,
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'cass-operator' },
      ownerReferences: dc.uid
        ? [
            {
              apiVersion: 'cassandra.datastax.com/v1beta1',
              kind: 'CassandraDatacenter',
              name: dc.name,
              uid: dc.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ]
        : [],
    },
    spec: {
      replicas: 1,
      serviceName: `${cluster}-${dc.name}-all-pods-service`,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          initContainers: [
            {
              name: 'server-config-init',
              image: 'datastax/cass-config-builder:1.0-ubi',
              volumeMounts: [{ name: 'server-config', mountPath: '/config' }],
            },
          ],
          containers: [
            {
              name: 'cassandra',
              image: 'k8ssandra/cass-management-api:5.0.4',
              volumeMounts: [
                { name: 'server-config', mountPath: '/config' },
                { name: 'server-logs', mountPath: '/var/log/cassandra' },
                { name: 'server-data', mountPath: '/var/lib/cassandra' },
              ],
            },
            {
              name: 'server-system-logger',
              image: 'k8ssandra/system-logger:v1.27.0',
              volumeMounts: [{ name: 'server-logs', mountPath: '/var/log/cassandra' }],
            },
          ],
          volumes: [
            { name: 'server-config', emptyDir: {} },
            { name: 'server-logs', emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'server-data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
        },
      ],
    },
  };
}

/** A hand-written StatefulSet running Cassandra, opted in (or not) by annotations. */
function plainStatefulSet(name: string, annotations: Record<string, string> = {}) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, annotations },
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'cassandra',
              image: 'cassandra:5.0.4',
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/cassandra' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

type Container = {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, unknown>> }[];
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: Record<string, Record<string, string>>;
  securityContext?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  ports?: { name: string; containerPort: number }[];
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; [k: string]: unknown }[];
};
const podOf = (sts: Obj) => (sts.spec?.template as { spec: PodSpec }).spec;
const templateAnnotations = (sts: Obj) =>
  (sts.spec?.template as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {};
const envOf = (c: Container | undefined, name: string) => c?.env?.find((e) => e.name === name);
const names = (list: { name: string }[] | undefined) => (list ?? []).map((x) => x.name);

let webhook: WebhookServer;
let port = 0;
const ca = () => controlPlaneCa();

async function registerWebhooks(): Promise<void> {
  // The configurations the project ships, pointed at this process and scoped to the test namespace.
  const { mutating, validating } = webhookConfigurations({
    name: configurationName,
    caBundle: pemBase64(ca().cert),
    target: { url: `https://127.0.0.1:${port}` },
    namespaceSelector: { matchLabels: { [scopeLabel]: suffix } },
  });
  await admissionApi.createMutatingWebhookConfiguration({ body: mutating });
  await admissionApi.createValidatingWebhookConfiguration({ body: validating });
  // Webhook configurations take effect asynchronously: wait until ours refuses an invalid object.
  for (let probe = 0, deadline = Date.now() + 30_000; ; probe++) {
    const message = await refusal(
      create(
        res.config,
        medusa('MedusaConfiguration', `probe-${probe}`, {
          storageProperties: { ...storage, transferMaxBandwidth: 'fast' },
        }),
      ),
    ).catch(() => '');
    if (message.includes(validatingWebhook)) return;
    if (Date.now() > deadline) throw new Error(`the webhook was not called within 30s: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

beforeAll(async () => {
  await installCrds();
  // cass-operator's CRD is not part of the bed: the test harness's stand-in (shared, left installed).
  await installDatacenterCrd(kc);
  const serving = issueCert(ca(), join(runDir, 'kube', 'webhook-test'), 'webhook', 'medusa-webhook', [
    'IP:127.0.0.1',
  ]);
  webhook = await createWebhookServer({
    certificates: serving,
    reader: kubeClusterReader(kc),
    log: createLogger('webhook', { level: 'warn' }),
  });
  port = await webhook.listen(0, '127.0.0.1');
  await core.createNamespace({ body: { metadata: { name: namespace, labels: { [scopeLabel]: suffix } } } });
  await registerWebhooks();
});

afterAll(async () => {
  await admissionApi.deleteMutatingWebhookConfiguration({ name: configurationName }).catch(() => undefined);
  await admissionApi.deleteValidatingWebhookConfiguration({ name: configurationName }).catch(() => undefined);
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await webhook?.stop(2000);
});

describe('injection into StatefulSets', () => {
  let dcUid = '';
  beforeAll(async () => {
    await create(
      res.config,
      medusa('MedusaConfiguration', 'minio', {
        storageProperties: storage,
        cassandraUserSecretRef: { name: 'cql-medusa' },
        containerResources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } },
        securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true },
        readinessProbe: { periodSeconds: 20 },
      }),
    );
    const dc = await create(
      res.dc,
      datacenter('dc1', 'demo', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' }),
    );
    dcUid = dc.metadata.uid ?? '';
  });

  it('stores a cass-operator StatefulSet of a bound datacenter with medusa and medusa-restore and all they need', async () => {
    await create(res.sts, cassOperatorStatefulSet('demo', { name: 'dc1', uid: dcUid }));
    const stored = await read(res.sts, 'demo-dc1-default-sts');
    const pod = podOf(stored);
    expect(names(pod.containers)).toEqual(['cassandra', 'server-system-logger', 'medusa']);
    expect(names(pod.initContainers)).toEqual(['server-config-init', 'medusa-restore']);

    const sidecar = pod.containers.find((c) => c.name === 'medusa');
    const restore = pod.initContainers?.find((c) => c.name === 'medusa-restore');
    expect(sidecar?.command).toEqual(['medusa-agent']);
    expect(sidecar?.args).toEqual(['sidecar']);
    expect(restore?.args).toEqual(['restore']);
    expect(sidecar?.image).toBe(restore?.image);
    for (const [container, mode] of [
      [sidecar, 'GRPC'],
      [restore, 'RESTORE'],
    ] as const) {
      expect(envOf(container, 'MEDUSA_MODE')?.value).toBe(mode);
      expect(envOf(container, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      expect(envOf(container, 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
      expect(envOf(container, 'POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
      expect(envOf(container, 'CQL_USERNAME')?.valueFrom?.secretKeyRef).toMatchObject({
        name: 'cql-medusa',
        key: 'username',
      });
      expect(envOf(container, 'CQL_PASSWORD')?.valueFrom?.secretKeyRef).toMatchObject({
        name: 'cql-medusa',
        key: 'password',
      });
      const ini = envOf(container, 'MEDUSA_INI')?.value ?? '';
      expect(ini).toContain(`bucket_name = ${bucket}`);
      expect(ini).toContain('prefix = demo');
      expect(ini).toContain('storage_provider = s3_compatible');
      expect(ini).toContain('key_file = /etc/medusa-secrets/credentials');
      expect(container?.volumeMounts).toEqual(
        expect.arrayContaining([
          { name: 'server-data', mountPath: '/var/lib/cassandra' },
          { name: 'server-config', mountPath: '/etc/cassandra' },
          { name: 'medusa-secrets', mountPath: '/etc/medusa-secrets', readOnly: true },
        ]),
      );
      expect(container?.securityContext).toEqual({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    }
    expect(sidecar?.resources).toEqual({
      requests: { cpu: '200m', memory: '256Mi' },
      limits: { memory: '1Gi' },
    });
    expect(restore?.resources).toEqual({
      requests: { cpu: '100m', memory: '100Mi' },
      limits: { memory: '8Gi' },
    });
    expect(sidecar?.ports).toEqual([{ name: 'grpc', containerPort: 50051, protocol: 'TCP' }]);
    expect(sidecar?.readinessProbe).toMatchObject({
      grpc: { port: 50051 },
      periodSeconds: 20,
      failureThreshold: 10,
    });
    expect(sidecar?.livenessProbe).toMatchObject({ grpc: { port: 50051 }, periodSeconds: 10 });
    expect(restore?.readinessProbe).toBeUndefined();
    const volumes = pod.volumes ?? [];
    expect(volumes.find((v) => v.name === 'medusa-secrets')).toEqual({
      name: 'medusa-secrets',
      secret: expect.objectContaining({ secretName: 'minio-credentials' }),
    });
    expect(names(volumes)).toEqual(
      expect.arrayContaining(['server-config', 'server-logs', 'medusa-tmp', 'podinfo']),
    );
    expect(templateAnnotations(stored)['medusa.k8ssandra.io/injected']).toMatch(/^kubectl-medusa-webhook\//);
  });

  it('injects into every rack StatefulSet the cass-operator stand-in builds for a bound datacenter', async () => {
    const dc = (await create(
      res.dc,
      datacenter(
        'dc3',
        'demo',
        { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' },
        {
          size: 3,
          racks: [{ name: 'r1' }, { name: 'r2' }],
        },
      ),
    )) as unknown as CassandraDatacenter;
    dc.metadata.namespace = namespace;
    for (const [rack, replicas] of [
      ['r1', 2],
      ['r2', 1],
    ] as const) {
      const sts = rackStatefulSet(dc, rack, replicas);
      // Real cass-operator does not copy the datacenter's annotations: the binding is read from the DC.
      for (const key of Object.keys(sts.metadata?.annotations ?? {}))
        if (key.startsWith(copiedAnnotationPrefix)) delete sts.metadata?.annotations?.[key];
      const stored = await create(res.sts, sts);
      const pod = podOf(stored);
      expect(names(pod.containers)).toEqual(['cassandra', 'server-system-logger', 'medusa']);
      expect(names(pod.initContainers)).toEqual(['server-config-init', 'medusa-restore']);
      expect(envOf(pod.containers[2], 'MEDUSA_INI')?.value).toContain('prefix = demo');
    }
  });

  it('injects once when the same object is created again, updated, or re-applied with the injection in it', async () => {
    const first = await read(res.sts, 'demo-dc1-default-sts');
    // Create a copy of the stored (already injected) object: nothing is added twice.
    const copy = structuredClone(first);
    copy.metadata = { ...copy.metadata, name: 'demo-dc1-copy-sts' };
    for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields'] as const)
      delete (copy.metadata as Record<string, unknown>)[key];
    delete copy.status;
    const again = await create(res.sts, copy);
    expect(podOf(again)).toEqual(podOf(first));

    // A cass-operator update of the pod template (without our containers) is injected again, once.
    const original = cassOperatorStatefulSet('demo', { name: 'dc1', uid: dcUid });
    (original.spec.template.metadata as { annotations?: object }).annotations = {
      'cassandra.datastax.com/restart': '1',
    };
    // The controller manager writes the status meanwhile: retry on conflicts, as clients do.
    const updated = await retryOnConflict(async () => {
      const latest = await read(res.sts, 'demo-dc1-default-sts');
      return replace(res.sts, 'demo-dc1-default-sts', {
        ...original,
        metadata: {
          ...original.metadata,
          resourceVersion: (latest.metadata as { resourceVersion?: string }).resourceVersion,
        },
      });
    });
    const pod = podOf(updated);
    expect(names(pod.containers)).toEqual(['cassandra', 'server-system-logger', 'medusa']);
    expect(names(pod.initContainers)).toEqual(['server-config-init', 'medusa-restore']);
    const volumeNames = names(pod.volumes);
    expect(new Set(volumeNames).size).toBe(volumeNames.length);
    const sidecarEnv = names(pod.containers.find((c) => c.name === 'medusa')?.env);
    expect(new Set(sidecarEnv).size).toBe(sidecarEnv.length);
    expect(podOf(updated).containers.find((c) => c.name === 'medusa')).toEqual(
      podOf(first).containers.find((c) => c.name === 'medusa'),
    );
  });

  it('stores a StatefulSet that did not opt in exactly as sent', async () => {
    const manifest = plainStatefulSet('not-opted-in');
    const stored = await create(res.sts, manifest);
    expect(podOf(stored).containers.map((c) => [c.name, c.image, c.volumeMounts])).toEqual(
      manifest.spec.template.spec.containers.map((c) => [c.name, c.image, c.volumeMounts]),
    );
    expect(podOf(stored).initContainers).toBeUndefined();
    expect(names(podOf(stored).volumes)).toEqual(['data']);
    expect(templateAnnotations(stored)).toEqual({});
  });

  it('leaves a cass-operator StatefulSet alone when its datacenter is not bound', async () => {
    const dc = await create(res.dc, datacenter('plain', 'other'));
    const stored = await create(
      res.sts,
      cassOperatorStatefulSet('other', { name: 'plain', uid: dc.metadata.uid ?? '' }),
    );
    expect(names(podOf(stored).containers)).toEqual(['cassandra', 'server-system-logger']);
    expect(names(podOf(stored).initContainers)).toEqual(['server-config-init']);
  });

  it('injects into any StatefulSet that opts in with annotations, keeping env vars the user added', async () => {
    const manifest = plainStatefulSet('inventory', {
      [configurationAnnotation]: 'minio',
      [prefixAnnotation]: 'inventory',
    });
    // A proxy for the agent (k8ssandra-operator#1722): set on a medusa container of the user's own.
    (manifest.spec.template.spec.containers as Container[]).push({
      name: 'medusa',
      image: 'ignored',
      env: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
    });
    const stored = await create(res.sts, manifest);
    const pod = podOf(stored);
    expect(names(pod.containers)).toEqual(['cassandra', 'medusa']);
    expect(names(pod.initContainers)).toEqual(['medusa-restore']);
    const sidecar = pod.containers[1];
    expect(sidecar?.image).not.toBe('ignored');
    expect(envOf(sidecar, 'HTTPS_PROXY')?.value).toBe('http://proxy:3128');
    expect(envOf(sidecar, 'MEDUSA_INI')?.value).toContain('prefix = inventory');
    expect(sidecar?.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/cassandra' });
  });

  it('stores a StatefulSet bound to a MedusaConfiguration that does not exist yet: warned, marked, not injected', async () => {
    const stderr = await kubectlCreate(
      plainStatefulSet('orphan', { [configurationAnnotation]: 'nowhere', [prefixAnnotation]: 'orphan' }),
    );
    expect(stderr).toContain(
      'Warning: medusa.k8ssandra.io/configuration: MedusaConfiguration "nowhere" does not exist',
    );
    const stored = await read(res.sts, 'orphan');
    expect(names(podOf(stored).containers)).toEqual(['cassandra']);
    expect(templateAnnotations(stored)['medusa.k8ssandra.io/awaiting-configuration']).toBe('nowhere');
  });
});

interface Case {
  title: string;
  kind: keyof typeof kindOf;
  body: object;
  field: string;
  /** Who refuses: our webhook (default), or the CRD schema before the webhook is called. */
  by?: 'schema';
}

const config = (
  name: string,
  storageProperties: object,
  extra: object = {},
): Omit<Case, 'title' | 'field'> => ({
  kind: 'MedusaConfiguration',
  body: medusa('MedusaConfiguration', name, { storageProperties, ...extra }),
});
const schedule = (name: string, spec: object) => ({
  kind: 'MedusaBackupSchedule' as const,
  body: medusa('MedusaBackupSchedule', name, { backupSpec: { cassandraDatacenter: 'dc2' }, ...spec }),
});
const sp = 'spec.storageProperties';
const annotationField = (key: string) => `metadata.annotations[${key}]`;
const boundPlain = (name: string, annotations: Record<string, string>) => ({
  kind: 'StatefulSet' as const,
  body: plainStatefulSet(name, annotations),
});

const invalid: Case[] = [
  // MedusaConfiguration: provider and what each provider needs.
  {
    title: 'unknown provider',
    ...config('c1', { ...storage, storageProvider: 'dropbox' }),
    field: `${sp}.storageProvider`,
    by: 'schema',
  },
  { title: 'no provider', ...config('c2', { bucketName: 'b1' }), field: `${sp}.storageProvider` },
  {
    title: 'no bucket',
    ...config('c3', { ...storage, bucketName: '' }),
    field: `${sp}.bucketName`,
    by: 'schema',
  },
  {
    title: 's3_compatible without host',
    ...config('c4', { ...storage, host: '' }),
    field: `${sp}.host`,
    by: 'schema',
  },
  {
    title: 'secret and role-based',
    ...config('c5', { ...storage, credentialsType: 'role-based' }),
    field: `${sp}.storageSecretRef.name`,
    by: 'schema',
  },
  {
    title: 'neither secret nor role-based',
    ...config('c6', { ...storage, storageSecretRef: undefined }),
    field: `${sp}.storageSecretRef`,
    by: 'schema',
  },
  {
    title: 'bandwidth without unit per second',
    ...config('c7', { ...storage, transferMaxBandwidth: '50MB' }),
    field: `${sp}.transferMaxBandwidth`,
  },
  {
    title: 'bandwidth that is a word',
    ...config('c8', { ...storage, transferMaxBandwidth: 'fast' }),
    field: `${sp}.transferMaxBandwidth`,
  },
  {
    title: 'zero bandwidth',
    ...config('c9', { ...storage, transferMaxBandwidth: '0MB/s' }),
    field: `${sp}.transferMaxBandwidth`,
  },
  {
    title: 'negative maxBackupAge',
    ...config('c10', { ...storage, maxBackupAge: -1 }),
    field: `${sp}.maxBackupAge`,
  },
  {
    title: 'negative maxBackupCount',
    ...config('c11', { ...storage, maxBackupCount: -5 }),
    field: `${sp}.maxBackupCount`,
  },
  {
    title: 'negative concurrentTransfers',
    ...config('c12', { ...storage, concurrentTransfers: -2 }),
    field: `${sp}.concurrentTransfers`,
  },
  {
    title: 'too many concurrentTransfers',
    ...config('c13', { ...storage, concurrentTransfers: 100000 }),
    field: `${sp}.concurrentTransfers`,
  },
  {
    title: 'multipart threshold below 5 MiB',
    ...config('c14', { ...storage, multiPartUploadThreshold: 1024 }),
    field: `${sp}.multiPartUploadThreshold`,
  },
  {
    title: 'negative grace period',
    ...config('c15', { ...storage, backupGracePeriodInDays: -3 }),
    field: `${sp}.backupGracePeriodInDays`,
  },
  {
    title: 'port above 65535',
    ...config('c16', { ...storage, port: 70000 }),
    field: `${sp}.port`,
    by: 'schema',
  },
  {
    title: 'host with a scheme',
    ...config('c17', { ...storage, host: 'http://minio:9000' }),
    field: `${sp}.host`,
  },
  {
    title: 'upper-case S3 bucket',
    ...config('c18', { ...storage, bucketName: 'My_Bucket' }),
    field: `${sp}.bucketName`,
  },
  {
    title: 'Azure container with a dot',
    ...config('c19', {
      storageProvider: 'azure_blobs',
      bucketName: 'my.container',
      credentialsType: 'role-based',
    }),
    field: `${sp}.bucketName`,
  },
  {
    title: 'GCS bucket of two characters',
    ...config('c20', { storageProvider: 'google_storage', bucketName: 'ab', credentialsType: 'role-based' }),
    field: `${sp}.bucketName`,
  },
  {
    title: 'bucket name with a line break',
    ...config('c21', { ...storage, bucketName: 'a\nkey_file = /x' }),
    field: `${sp}.bucketName`,
  },
  { title: 'prefix with a slash', ...config('c22', { ...storage, prefix: 'a/b' }), field: `${sp}.prefix` },
  { title: 'one-character prefix', ...config('c23', { ...storage, prefix: 'x' }), field: `${sp}.prefix` },
  {
    title: 'invalid secret name',
    ...config('c24', { ...storage, storageSecretRef: { name: 'Not_A_Secret' } }),
    field: `${sp}.storageSecretRef.name`,
  },
  {
    title: 'probe handler replaced',
    ...config('c25', storage, { readinessProbe: { exec: { command: ['true'] } } }),
    field: 'spec.readinessProbe.exec',
  },
  {
    title: 'probe period of 0',
    ...config('c26', storage, { livenessProbe: { periodSeconds: 0 } }),
    field: 'spec.livenessProbe.periodSeconds',
  },
  {
    title: 'liveness successThreshold 2',
    ...config('c27', storage, { livenessProbe: { successThreshold: 2 } }),
    field: 'spec.livenessProbe.successThreshold',
  },
  {
    title: 'image tag with a space',
    ...config('c28', storage, { containerImage: { tag: 'v 1' } }),
    field: 'spec.containerImage.tag',
  },
  {
    title: 'gRPC port out of range',
    ...config('c29', storage, { serviceProperties: { grpcPort: 99999 } }),
    field: 'spec.serviceProperties.grpcPort',
  },
  {
    title: 'gRPC encryption without server secret',
    ...config('c30', storage, {
      serviceProperties: { encryption: { clientSecretName: 'c', serverSecretName: '' } },
    }),
    field: 'spec.serviceProperties.encryption.serverSecretName',
  },
  {
    title: 'local provider on an emptyDir',
    ...config('c32', { storageProvider: 'local', bucketName: 'backups', localVolume: { emptyDir: {} } }),
    field: `${sp}.localVolume.emptyDir`,
  },
  {
    title: 'local provider with two volume sources',
    ...config('c33', {
      storageProvider: 'local',
      bucketName: 'backups',
      localVolume: { nfs: { server: 'nfs', path: '/x' }, hostPath: { path: '/y' } },
    }),
    field: `${sp}.localVolume`,
  },
  {
    title: 'local provider without its volume',
    ...config('c34', { storageProvider: 'local', bucketName: 'backups' }),
    field: `${sp}.localVolume`,
    by: 'schema',
  },
  {
    title: 'unknown pull policy',
    ...config('c31', storage, { containerImage: { pullPolicy: 'Sometimes' } }),
    field: 'spec.containerImage.pullPolicy',
    by: 'schema',
  },
  // The binding, on a CassandraDatacenter or a StatefulSet.
  {
    title: 'binding to a shared configuration without prefix',
    kind: 'CassandraDatacenter',
    body: datacenter('b1', 'c-b1', { [configurationAnnotation]: 'minio' }),
    field: annotationField(prefixAnnotation),
  },
  {
    title: 'empty prefix',
    kind: 'CassandraDatacenter',
    body: datacenter('b2', 'c-b2', { [configurationAnnotation]: 'minio', [prefixAnnotation]: '' }),
    field: annotationField(prefixAnnotation),
  },
  {
    title: 'prefix with a slash',
    kind: 'CassandraDatacenter',
    body: datacenter('b3', 'c-b3', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'team/demo' }),
    field: annotationField(prefixAnnotation),
  },
  {
    title: 'one-character prefix',
    kind: 'CassandraDatacenter',
    body: datacenter('b4', 'c-b4', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'd' }),
    field: annotationField(prefixAnnotation),
  },
  {
    title: 'prefix without configuration',
    kind: 'CassandraDatacenter',
    body: datacenter('b5', 'c-b5', { [prefixAnnotation]: 'lonely' }),
    field: annotationField(prefixAnnotation),
  },
  {
    title: 'configuration name that is not a name',
    kind: 'CassandraDatacenter',
    body: datacenter('b6', 'c-b6', { [configurationAnnotation]: 'Bad Name', [prefixAnnotation]: 'b6' }),
    field: annotationField(configurationAnnotation),
  },
  {
    title: 'another cluster already writes this bucket and prefix',
    kind: 'CassandraDatacenter',
    body: datacenter('b8', 'intruder', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' }),
    field: annotationField(prefixAnnotation),
  },
  {
    title: 'a StatefulSet of another cluster on the same prefix',
    ...boundPlain('b9', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' }),
    field: annotationField(prefixAnnotation),
  },
  {
    title: 'a StatefulSet with a slash in its prefix',
    ...boundPlain('b10', { [configurationAnnotation]: 'minio', [prefixAnnotation]: '/abs' }),
    field: annotationField(prefixAnnotation),
  },
  // MedusaBackupSchedule.
  { title: 'cron with 4 fields', ...schedule('s1', { cronSchedule: '? 8 0 0' }), field: 'spec.cronSchedule' },
  {
    title: 'cron with a seconds field',
    ...schedule('s2', { cronSchedule: '0 0 3 * * *' }),
    field: 'spec.cronSchedule',
  },
  { title: 'cron minute 61', ...schedule('s3', { cronSchedule: '61 * * * *' }), field: 'spec.cronSchedule' },
  {
    title: 'unknown descriptor',
    ...schedule('s4', { cronSchedule: '@fortnightly' }),
    field: 'spec.cronSchedule',
  },
  {
    title: '@every without duration',
    ...schedule('s5', { cronSchedule: '@every soon' }),
    field: 'spec.cronSchedule',
  },
  {
    title: 'L is not standard cron',
    ...schedule('s6', { cronSchedule: '0 0 L * *' }),
    field: 'spec.cronSchedule',
  },
  {
    title: 'unknown time zone',
    ...schedule('s7', { cronSchedule: '0 1 * * *', timeZone: 'Mars/Olympus' }),
    field: 'spec.timeZone',
  },
  {
    title: 'unknown CRON_TZ',
    ...schedule('s8', { cronSchedule: 'CRON_TZ=Nowhere/Land 0 1 * * *' }),
    field: 'spec.cronSchedule',
  },
  {
    title: 'unknown concurrency policy',
    ...schedule('s9', { cronSchedule: '@daily', concurrencyPolicy: 'Sometimes' }),
    field: 'spec.concurrencyPolicy',
    by: 'schema',
  },
  // MedusaBackupJob (one on a datacenter that does not exist or is not bound yet is stored, warned).
  {
    title: 'second active backup of a datacenter',
    kind: 'MedusaBackupJob',
    body: medusa('MedusaBackupJob', 'j3', { cassandraDatacenter: 'dc1' }),
    field: 'spec.cassandraDatacenter',
  },
  {
    title: 'backup with an empty datacenter',
    kind: 'MedusaBackupJob',
    body: medusa('MedusaBackupJob', 'j4', { cassandraDatacenter: '' }),
    field: 'spec.cassandraDatacenter',
    by: 'schema',
  },
  // MedusaRestoreJob.
  {
    title: 'restore of a backup that does not exist',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r1', { backup: 'nothing', cassandraDatacenter: 'dc1' }),
    field: 'spec.backup',
  },
  {
    title: 'restore of a backup in progress',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r2', { backup: 'in-progress', cassandraDatacenter: 'dc1' }),
    field: 'spec.backup',
  },
  {
    title: 'restore of a failed backup',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r3', { backup: 'failed', cassandraDatacenter: 'dc1' }),
    field: 'spec.backup',
  },
  {
    title: 'restore of a backup with fewer nodes',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r4', { backup: 'two-nodes', cassandraDatacenter: 'dc1' }),
    field: 'spec.cassandraDatacenter',
  },
  {
    title: 'restore of a backup of another datacenter name',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r5', { backup: 'other-dc', cassandraDatacenter: 'dc1' }),
    field: 'spec.cassandraDatacenter',
  },
  {
    title: 'restore of a backup with other racks',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r6', { backup: 'racks', cassandraDatacenter: 'dc1' }),
    field: 'spec.cassandraDatacenter',
  },
  {
    title: 'restore into a datacenter that does not exist',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r7', { backup: 'complete', cassandraDatacenter: 'nodc' }),
    field: 'spec.cassandraDatacenter',
  },
  {
    title: 'host mapping to a pod of another datacenter',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r8', {
      backup: 'complete',
      cassandraDatacenter: 'dc1',
      hostMapping: [{ target: 'demo-dc9-default-sts-0', source: 'demo-dc1-default-sts-0' }],
    }),
    field: 'spec.hostMapping[0].target',
  },
  {
    title: 'host mapping from a host not in the backup',
    kind: 'MedusaRestoreJob',
    body: medusa('MedusaRestoreJob', 'r9', {
      backup: 'complete',
      cassandraDatacenter: 'dc1',
      hostMapping: [{ target: 'demo-dc1-default-sts-0', source: 'elsewhere-0' }],
    }),
    field: 'spec.hostMapping[0].source',
  },
  // MedusaTask.
  {
    title: 'unknown task operation',
    kind: 'MedusaTask',
    body: medusa('MedusaTask', 't1', { operation: 'explode', cassandraDatacenter: 'dc1' }),
    field: 'spec.operation',
    by: 'schema',
  },
];

const backupStatus = (overrides: object) => ({
  startTime: '2026-11-01T00:00:00Z',
  finishTime: '2026-11-01T00:10:00Z',
  totalNodes: 3,
  finishedNodes: 3,
  status: 'SUCCESS',
  nodes: [0, 1, 2].map((i) => ({ host: `demo-dc1-default-sts-${i}`, datacenter: 'dc1', rack: 'default' })),
  ...overrides,
});

describe('validation: invalid objects are refused with the field at fault', () => {
  beforeAll(async () => {
    // The world the table is checked against: dc1 (bound, 3 nodes, demo) from above, backups in
    // several states, and one backup job still running on dc1.
    const backups: Record<string, object> = {
      complete: {},
      'in-progress': { status: 'IN_PROGRESS', finishTime: undefined, finishedNodes: 1 },
      failed: { status: 'FAILED' },
      'two-nodes': { totalNodes: 2, finishedNodes: 2 },
      'other-dc': { nodes: [0, 1, 2].map((i) => ({ host: `x-${i}`, datacenter: 'dc9', rack: 'default' })) },
      racks: {
        nodes: [0, 1, 2].map((i) => ({ host: `demo-dc1-r${i}-sts-0`, datacenter: 'dc1', rack: `r${i}` })),
      },
    };
    for (const [name, overrides] of Object.entries(backups)) {
      await create(res.backup, medusa('MedusaBackup', name, { cassandraDatacenter: 'dc1' }));
      await patchStatus(res.backup, name, backupStatus(overrides));
    }
    await create(res.backupJob, medusa('MedusaBackupJob', 'running', { cassandraDatacenter: 'dc1' }));
  });

  it('has at least 40 cases refused by the webhook itself', () => {
    expect(invalid.filter((c) => c.by !== 'schema').length).toBeGreaterThanOrEqual(40);
  });

  it.each(invalid.map((c) => [`${c.kind}: ${c.title}`, c] as const))('%s', async (_, c) => {
    const message = await refusal(create(kindOf[c.kind] as Res, c.body));
    expect(message).toContain(c.field);
    if (c.by === 'schema') expect(message).not.toContain(validatingWebhook);
    else expect(message).toContain(`admission webhook "${validatingWebhook}" denied the request`);
  });

  it('accepts a valid schedule and shows its next run as a warning', async () => {
    const stderr = await kubectlCreate(
      medusa('MedusaBackupSchedule', 'nightly', {
        cronSchedule: '30 1 * * *',
        timeZone: 'Europe/Paris',
        backupSpec: { cassandraDatacenter: 'dc1' },
      }),
    );
    expect(stderr).toMatch(
      /Warning: schedule "30 1 \* \* \*" runs next at \d{4}-\d\d-\d\dT\d\d:30:00\.000Z \(time zone Europe\/Paris\)/,
    );
  });

  it('stores a backup job on a datacenter that does not exist or is not bound yet, with a warning (GitOps)', async () => {
    const missing = await kubectlCreate(medusa('MedusaBackupJob', 'j1', { cassandraDatacenter: 'nodc' }));
    expect(missing).toContain(
      `Warning: spec.cassandraDatacenter: no CassandraDatacenter or StatefulSet "nodc" in ${namespace} yet: the backup waits`,
    );
    const unbound = await kubectlCreate(medusa('MedusaBackupJob', 'j2', { cassandraDatacenter: 'plain' }));
    expect(unbound).toContain('is not bound to a MedusaConfiguration yet: the backup waits');
  });

  it('stores a CassandraDatacenter bound to a configuration that does not exist yet, with a warning', async () => {
    const stderr = await kubectlCreate(
      datacenter('b7', 'c-b7', { [configurationAnnotation]: 'missing', [prefixAnnotation]: 'b7' }),
    );
    expect(stderr).toContain(
      `Warning: ${configurationAnnotation}: MedusaConfiguration "missing" does not exist in namespace ${namespace} yet`,
    );
    expect((await read(res.dc, 'b7')).metadata.name).toBe('b7');
  });

  it('refuses a change to the spec of a backup job once created', async () => {
    await create(
      res.dc,
      datacenter('dc2', 'demo', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'demo' }),
    );
    await create(res.backupJob, medusa('MedusaBackupJob', 'immutable', { cassandraDatacenter: 'dc2' }));
    const message = await refusal(
      retryOnConflict(async () => {
        const job = await read(res.backupJob, 'immutable');
        return replace(res.backupJob, 'immutable', { ...job, spec: { ...job.spec, backupType: 'full' } });
      }),
    );
    expect(message).toContain('spec');
    expect(message).toContain('immutable');
  });

  it("refuses removing a configuration's prefix while a datacenter relies on it", async () => {
    await create(
      res.config,
      medusa('MedusaConfiguration', 'team', { storageProperties: { ...storage, prefix: 'team' } }),
    );
    await create(res.dc, datacenter('dc-team', 'team', { [configurationAnnotation]: 'team' }));
    const message = await refusal(
      retryOnConflict(async () => {
        const stored = await read(res.config, 'team');
        const properties = { ...(stored.spec?.storageProperties as Record<string, unknown>) };
        delete properties.prefix;
        return replace(res.config, 'team', {
          ...stored,
          spec: { ...stored.spec, storageProperties: properties },
        });
      }),
    );
    expect(message).toContain(
      `spec.storageProperties.prefix: is required: CassandraDatacenter dc-team is bound to this configuration without a ${prefixAnnotation} annotation`,
    );
  });

  it('refuses pointing a configuration at the bucket and prefix of another cluster', async () => {
    await create(
      res.config,
      medusa('MedusaConfiguration', 'second', {
        storageProperties: { ...storage, bucketName: 'other-bucket' },
      }),
    );
    await create(
      res.dc,
      datacenter('dc-other', 'other-cluster', {
        [configurationAnnotation]: 'second',
        [prefixAnnotation]: 'demo',
      }),
    );
    const message = await refusal(
      retryOnConflict(async () => {
        const stored = await read(res.config, 'second');
        const properties = {
          ...(stored.spec?.storageProperties as Record<string, unknown>),
          bucketName: bucket,
        };
        return replace(res.config, 'second', {
          ...stored,
          spec: { ...stored.spec, storageProperties: properties },
        });
      }),
    );
    expect(message).toContain('spec.storageProperties.bucketName: with this change, cluster');
    expect(message).toContain(`would write prefix "demo" of bucket s3_compatible://127.0.0.1:9000/${bucket}`);
  });

  it('accepts a restore of a complete backup that fits the datacenter', async () => {
    const created = await create(
      res.restoreJob,
      medusa('MedusaRestoreJob', 'fits', {
        backup: 'complete',
        cassandraDatacenter: 'dc1',
        hostMapping: [{ target: 'demo-dc1-default-sts-0', source: 'demo-dc1-default-sts-1' }],
      }),
    );
    expect(created.metadata.name).toBe('fits');
  });
});

/** kubectl create of one object; its stderr, where kubectl prints admission warnings. */
const kubectlCreate = (body: object) =>
  new Promise<string>((resolve, reject) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfigPath, 'create', '-n', namespace, '-f', '-'],
      (error, _stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stderr),
    );
    child.stdin?.end(JSON.stringify(body));
  });

/** POST raw bytes to the webhook over HTTPS, as the apiserver would. */
function post(path: string, body: string | Buffer, contentType = 'application/json') {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca: readFileSync(ca().cert),
        headers: { 'content-type': contentType },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('fuzzed AdmissionReview bodies', () => {
  // Deterministic pseudo-random generator: a failure can be replayed.
  let seed = 1234567;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const junk = (depth = 0): unknown => {
    const choices = [
      () => null,
      () => Math.floor(random() * 1e6) - 5e5,
      () => random() > 0.5,
      () => pick(['', 'x', 'medusa', '../../etc/passwd', '\u0000', '{"a":', 'Ω'.repeat(50)]),
      () => (depth > 3 ? [] : Array.from({ length: Math.floor(random() * 4) }, () => junk(depth + 1))),
      () =>
        depth > 3
          ? {}
          : Object.fromEntries(
              Array.from({ length: Math.floor(random() * 4) }, () => [
                pick([
                  'metadata',
                  'spec',
                  'name',
                  'annotations',
                  'containers',
                  'template',
                  'storageProperties',
                  'x',
                ]),
                junk(depth + 1),
              ]),
            ),
    ];
    return pick(choices)();
  };
  const validSts = () =>
    plainStatefulSet('fuzz', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'inventory' });
  /** Replaces one random node of a valid object by junk. */
  const corrupt = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || random() < 0.25) return junk();
    const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
      ? [...value]
      : { ...(value as object) };
    const keys = Object.keys(copy);
    if (keys.length === 0) return junk();
    const key = pick(keys);
    (copy as Record<string, unknown>)[key] = corrupt((copy as Record<string, unknown>)[key]);
    return copy;
  };
  const review = (kind: { group: string; kind: string }, operation: string, object: unknown) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `fuzz-${Math.floor(random() * 1e9)}`,
      kind: { ...kind, version: 'v1' },
      resource: { group: kind.group, version: 'v1', resource: 'x' },
      namespace,
      operation,
      object,
      oldObject: random() > 0.5 ? corrupt(object) : null,
    },
  });
  const kinds = [
    { group: 'apps', kind: 'StatefulSet' },
    { group: 'medusa.k8ssandra.io', kind: 'MedusaConfiguration' },
    { group: 'medusa.k8ssandra.io', kind: 'MedusaBackupSchedule' },
    { group: 'medusa.k8ssandra.io', kind: 'MedusaRestoreJob' },
    { group: 'medusa.k8ssandra.io', kind: 'MedusaBackupJob' },
    { group: 'cassandra.datastax.com', kind: 'CassandraDatacenter' },
  ];
  const bodies = (): string[] => {
    const list: string[] = [];
    for (let i = 0; i < 400; i++) {
      const kind = pick(kinds);
      const base =
        kind.kind === 'StatefulSet'
          ? validSts()
          : kind.kind === 'CassandraDatacenter'
            ? datacenter('fuzz', 'fuzz', { [configurationAnnotation]: 'minio', [prefixAnnotation]: 'fz' })
            : medusa(kind.kind, 'fuzz', {
                storageProperties: storage,
                cronSchedule: '@daily',
                backup: 'complete',
                cassandraDatacenter: 'dc1',
                backupSpec: { cassandraDatacenter: 'dc1' },
              });
      const operation = pick(['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'PATCH']);
      const shape = random();
      const body =
        shape < 0.6
          ? review(kind, operation, corrupt(base))
          : shape < 0.8
            ? corrupt(review(kind, operation, base))
            : shape < 0.9
              ? junk()
              : review(kind, operation, junk());
      const text = JSON.stringify(body) ?? 'null';
      // Some bodies are cut short: not even JSON.
      list.push(random() < 0.1 ? text.slice(0, Math.floor(random() * text.length)) : text);
    }
    return list;
  };

  it('answers every body with a decision or a clean client error, never a stack trace, and keeps serving', async () => {
    const internalBefore = webhook.metrics.render().match(/kind="internal"/g)?.length ?? 0;
    const statuses = new Map<number, number>();
    for (const [i, body] of bodies().entries()) {
      const path = i % 2 === 0 ? routes.mutateStatefulSets : routes.validate;
      const answer = await post(path, body);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect([200, 400], `${path} ${body.slice(0, 300)}`).toContain(answer.status);
      expect(answer.body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|TypeError|ReferenceError/);
      const parsed = JSON.parse(answer.body) as {
        response?: { uid: string; status?: { code: number; message: string } };
        error?: string;
      };
      if (answer.status === 200) {
        expect(parsed.response?.uid).toMatch(/^fuzz-/);
        // A 500 inside a review means the handler threw: a bug, whatever the input.
        expect(parsed.response?.status?.code, parsed.response?.status?.message).not.toBe(500);
      } else {
        expect(parsed.error).toEqual(expect.any(String));
      }
    }
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(10);
    const internalAfter = webhook.metrics.render().match(/kind="internal"/g)?.length ?? 0;
    expect(internalAfter).toBe(internalBefore);
    const health = await new Promise<number>((resolve, reject) =>
      httpsRequest({ host: '127.0.0.1', port, path: '/healthz', ca: readFileSync(ca().cert) }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    expect(health).toBe(200);
  });

  it('refuses oversized bodies, other content types and unknown routes cleanly', async () => {
    const big = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      pad: 'x'.repeat(7 * 1024 * 1024),
    });
    expect((await post(routes.validate, big)).status).toBe(413);
    expect((await post(routes.validate, '<xml/>', 'application/xml')).status).toBe(415);
    const missing = await post('/mutate/pods', '{}');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'no such route' });
  });
});
