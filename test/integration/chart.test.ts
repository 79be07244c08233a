// The Helm chart (charts/kubectl-medusa) with a real helm (built by test/bed/provision/helm.sh) on the
// test bed's kube-apiserver: lint and render, install into a fresh namespace, RBAC checked call by
// call against what the code does, the controller and the webhook run as local processes with the
// chart's service account and certificate, and uninstall. The chart's webhooks serve only a namespace
// of this test, and everything cluster-scoped is named after this test's release.
import * as k8s from '@kubernetes/client-node';
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crdFileName, kinds, renderChartCrdFiles } from '../../crds/index.js';
import { listObjects } from '../../lib/medusa-api.js';
import { reportNodeProgress } from '../../lib/node-report.js';
import { webhookConfigurations } from '../../webhook/manifests.js';
import { apiserverUrl, controlPlaneCa, kubeconfigPath } from '../bed/kube.js';
import { artefacts, bedDir, repoRoot, runDir } from '../bed/paths.js';
import { pemBase64 } from '../bed/pki.js';
import { logTail, portOpen, startService, stopService, waitUntil } from '../bed/proc.js';
import { installDatacenterCrd } from '../harness/cass-operator/crd.js';
import { adminConfig, installCrds, kubectl, testNamespace } from '../support/kube.js';

const run = promisify(execFile);
const chartDir = join(repoRoot, 'charts', 'kubectl-medusa');
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const release = `chart-${suffix}`;
// The release name contains no "kubectl-medusa": objects are named <release>-kubectl-medusa[-...].
const fullname = `${release}-kubectl-medusa`;
const agentServiceAccount = 'cassandra';
const webhookPort = 18743;

const kc = adminConfig();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);

let namespace = ''; // the release namespace, also the Cassandra namespace of the agent's binding
let served = ''; // the only namespace the installed webhooks serve
const removeNamespaces: (() => Promise<void>)[] = [];
const helmHome = mkdtempSync(join(tmpdir(), 'medusa-chart-helm-'));
const services = [`chart-controller-${suffix}`, `chart-webhook-${suffix}`];

const helm = async (...args: string[]): Promise<string> => {
  const { stdout } = await run(artefacts.helm, args, {
    env: {
      ...process.env,
      KUBECONFIG: kubeconfigPath,
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
};

/** A values file in the test's temporary folder. */
function valuesFile(name: string, values: unknown): string {
  const file = join(helmHome, `${name}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}

async function render(values: unknown = {}): Promise<Doc[]> {
  const out = await helm(
    'template',
    release,
    chartDir,
    '-n',
    'medusa-system',
    '-f',
    valuesFile('render', values),
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

const find = (docs: Doc[], kind: string, name?: string) =>
  docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));

type WebhookDoc = {
  webhooks: {
    name: string;
    namespaceSelector?: unknown;
    clientConfig: { caBundle?: string; service?: { path?: string; name?: string; namespace?: string } };
    [key: string]: unknown;
  }[];
};

/** What the install under test is given: webhooks scoped to one test namespace, one agent binding. */
const installValues = () => ({
  webhook: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': served } } },
  agent: { serviceAccounts: [{ namespace, name: agentServiceAccount }] },
});

/** helm install or upgrade of the release under test, in the release namespace. */
const helmRelease = (command: 'install' | 'upgrade', ...options: string[]) =>
  helm(command, release, chartDir, '-n', namespace, '-f', valuesFile('install', installValues()), ...options);

/** Per medusa CRD: its Helm release annotation (none expected) and the managers of its fields. */
async function crdOwners(): Promise<Record<string, string>> {
  const out = JSON.parse(
    await kubectl('get', 'crd', ...kinds.map((k) => `${k.plural}.medusa.k8ssandra.io`), '-o', 'json'),
  ) as {
    items: {
      metadata: { name: string; annotations?: Record<string, string>; managedFields?: { manager: string }[] };
    }[];
  };
  return Object.fromEntries(
    out.items.map((c) => [
      c.metadata.name,
      `release=${c.metadata.annotations?.['meta.helm.sh/release-name'] ?? 'none'} managers=${[
        ...new Set((c.metadata.managedFields ?? []).map((f) => f.manager)),
      ]
        .sort()
        .join(',')}`,
    ]),
  );
}

/** A kubeconfig authenticating with a fresh token of one of the test namespace's service accounts. */
async function serviceAccountKubeconfig(serviceAccount: string): Promise<string> {
  const token = (await kubectl('create', 'token', serviceAccount, '-n', namespace, '--duration=15m')).trim();
  const file = join(helmHome, `${serviceAccount}.kubeconfig`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: testbed\n  cluster:\n    server: ${apiserverUrl}\n    certificate-authority-data: ${pemBase64(controlPlaneCa().cert)}`,
      `users:\n- name: ${serviceAccount}\n  user:\n    token: ${token}`,
      `contexts:\n- name: sa\n  context:\n    cluster: testbed\n    user: ${serviceAccount}`,
      'current-context: sa',
      '',
    ].join('\n'),
  );
  return file;
}

let crdsBefore: Record<string, string> = {};

beforeAll(async () => {
  if (!existsSync(artefacts.helm)) {
    // Cold build of helm from the Go module proxy (a few minutes), cached afterwards.
    await new Promise<void>((resolve, reject) =>
      spawn('bash', [join(bedDir, 'provision', 'helm.sh')], { stdio: 'inherit' }).on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`helm provisioning failed (exit ${code})`)),
      ),
    );
  }
  // The CRDs other tests use: present before the install, so the chart's crds/ must leave them be.
  // cass-operator's stand-in CRD too, so that kubectl can-i knows cassandradatacenters' group.
  await installCrds();
  await installDatacenterCrd(kc);
  crdsBefore = await crdOwners();
  const ns = await testNamespace('medusa-chart');
  const servedNs = await testNamespace('medusa-chart-served');
  namespace = ns.name;
  served = servedNs.name;
  removeNamespaces.push(ns.remove, servedNs.remove);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: agentServiceAccount } } });
});

afterAll(async () => {
  for (const name of services) await stopService(name);
  await helm('uninstall', release, '-n', namespace, '--wait', '--timeout', '60s').catch(() => undefined);
  // Cluster-scoped leftovers of an interrupted run would outlive the namespaces: remove by name.
  await admission.deleteMutatingWebhookConfiguration({ name: fullname }).catch(() => undefined);
  await admission.deleteValidatingWebhookConfiguration({ name: fullname }).catch(() => undefined);
  for (const role of ['controller', 'webhook', 'agent']) {
    await rbac.deleteClusterRole({ name: `${fullname}-${role}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `${fullname}-${role}` }).catch(() => undefined);
  }
  for (const remove of removeNamespaces) await remove();
  rmSync(helmHome, { recursive: true, force: true });
});

describe('helm lint and helm template', () => {
  const alternatives: Record<string, unknown> = {
    defaults: {},
    watchNamespace: { watchNamespace: 'cassandra', leaderElection: { namespace: 'medusa-leases' } },
    'cert-manager': { tls: { mode: 'cert-manager' } },
    'cert-manager with an issuer': {
      tls: { mode: 'cert-manager', certManager: { issuerRef: { name: 'ca', kind: 'ClusterIssuer' } } },
    },
    'agent service accounts': {
      agent: {
        serviceAccounts: [
          { namespace: 'cassandra', name: 'default' },
          { namespace: 'analytics', name: 'dc2-sa' },
        ],
      },
    },
  };

  it.each(Object.entries(alternatives))('lints cleanly (--strict) with %s', async (name, values) => {
    const out = await helm('lint', '--strict', chartDir, '-f', valuesFile(`lint-${name}`, values));
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('refuses values the chart cannot work with, naming the field', async () => {
    const lint = (values: unknown) => helm('lint', chartDir, '-f', valuesFile('lint-bad', values));
    await expect(lint({ tls: { mode: 'self-signed' } })).rejects.toMatchObject({
      stdout: expect.stringContaining('/tls/mode'),
    });
    await expect(lint({ agent: { serviceAccounts: [{ namespace: 'cassandra' }] } })).rejects.toMatchObject({
      stdout: expect.stringContaining("missing property 'name'"),
    });
    await expect(lint({ webhook: { failurePolicy: 'fail' } })).rejects.toMatchObject({
      stdout: expect.stringContaining('/webhook/failurePolicy'),
    });
  });

  it('renders by default: cluster-wide controller, Helm-generated TLS whose CA is the caBundle', async () => {
    const docs = await render();
    expect(find(docs, 'ClusterRole').map((d) => d.metadata.name)).toEqual(
      expect.arrayContaining([`${fullname}-controller`, `${fullname}-webhook`, `${fullname}-agent`]),
    );
    expect(
      find(docs, 'ClusterRoleBinding')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([`${fullname}-controller`, `${fullname}-webhook`].sort());
    expect(find(docs, 'Role').map((d) => d.metadata.name)).toEqual([`${fullname}-leader-election`]);
    const [secret] = find(docs, 'Secret', `${fullname}-webhook-tls`) as unknown as {
      data: Record<string, string>;
    }[];
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const [config] = find(docs, kind) as unknown as WebhookDoc[];
      expect(config?.webhooks[0]?.clientConfig.caBundle).toBe(secret?.data['ca.crt']);
      expect(config?.webhooks[0]?.namespaceSelector).toEqual({
        matchExpressions: [
          {
            key: 'kubernetes.io/metadata.name',
            operator: 'NotIn',
            values: ['kube-system', 'kube-public', 'kube-node-lease', 'medusa-system'],
          },
        ],
      });
    }
    expect(find(docs, 'PodDisruptionBudget')).toHaveLength(1);
    expect(find(docs, 'Certificate')).toHaveLength(0);
  });

  it('renders with watchNamespace: a Role there, webhooks serving it, WATCH_NAMESPACE set', async () => {
    const docs = await render(alternatives.watchNamespace);
    const [role] = find(docs, 'Role', `${fullname}-controller`);
    expect(role?.metadata.namespace).toBe('cassandra');
    expect(find(docs, 'RoleBinding', `${fullname}-controller`)[0]?.metadata.namespace).toBe('cassandra');
    expect(find(docs, 'ClusterRole', `${fullname}-controller`)).toHaveLength(0);
    // The webhook's reads stay cluster-wide (docs/webhook.md "Permissions").
    expect(find(docs, 'ClusterRoleBinding').map((d) => d.metadata.name)).toEqual([`${fullname}-webhook`]);
    expect(find(docs, 'Role', `${fullname}-leader-election`)[0]?.metadata.namespace).toBe('medusa-leases');
    const [config] = find(docs, 'MutatingWebhookConfiguration') as unknown as WebhookDoc[];
    expect(config?.webhooks[0]?.namespaceSelector).toEqual({
      matchLabels: { 'kubernetes.io/metadata.name': 'cassandra' },
    });
    const deployment = JSON.stringify(find(docs, 'Deployment')[0]);
    expect(deployment).toContain('{"name":"WATCH_NAMESPACE","value":"cassandra"}');
    expect(deployment).toContain('{"name":"LEASE_NAMESPACE","value":"medusa-leases"}');
  });

  it('renders with cert-manager: Issuer and Certificate, CA injected by annotation, no Secret', async () => {
    const docs = await render(alternatives['cert-manager']);
    expect(find(docs, 'Secret')).toHaveLength(0);
    expect(find(docs, 'Issuer').map((d) => d.metadata.name)).toEqual([`${fullname}-selfsigned`]);
    const [certificate] = find(docs, 'Certificate') as unknown as {
      metadata: { name: string };
      spec: { secretName: string; dnsNames: string[]; issuerRef: unknown };
    }[];
    expect(certificate?.spec.secretName).toBe(`${fullname}-webhook-tls`);
    expect(certificate?.spec.dnsNames).toContain(`${fullname}-webhook.medusa-system.svc`);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const [config] = find(docs, kind);
      expect(config?.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(
        `medusa-system/${certificate?.metadata.name}`,
      );
      expect((config as unknown as WebhookDoc).webhooks[0]?.clientConfig.caBundle).toBeUndefined();
    }
    const withIssuer = await render(alternatives['cert-manager with an issuer']);
    expect(find(withIssuer, 'Issuer')).toHaveLength(0);
    expect(
      (find(withIssuer, 'Certificate')[0] as unknown as { spec: { issuerRef: unknown } }).spec.issuerRef,
    ).toEqual({ name: 'ca', kind: 'ClusterIssuer' });
  });

  it('renders one RoleBinding of the agent ClusterRole per listed service account', async () => {
    const docs = await render(alternatives['agent service accounts']);
    const bindings = find(docs, 'RoleBinding').filter((d) =>
      d.metadata.name.startsWith(`${fullname}-agent`),
    ) as unknown as {
      metadata: { namespace: string };
      roleRef: { kind: string; name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    }[];
    expect(bindings.map((b) => [b.metadata.namespace, b.roleRef.kind, b.roleRef.name, b.subjects])).toEqual([
      [
        'cassandra',
        'ClusterRole',
        `${fullname}-agent`,
        [{ kind: 'ServiceAccount', name: 'default', namespace: 'cassandra' }],
      ],
      [
        'analytics',
        'ClusterRole',
        `${fullname}-agent`,
        [{ kind: 'ServiceAccount', name: 'dc2-sa', namespace: 'analytics' }],
      ],
    ]);
  });
});

describe('the chart on the real apiserver', () => {
  it('ships exactly the generated CRDs, which the apiserver accepts (server-side dry run)', async () => {
    const files = readdirSync(join(chartDir, 'crds')).sort();
    expect(files).toEqual(kinds.map((k) => crdFileName(k.plural)).sort());
    for (const [name, content] of renderChartCrdFiles())
      expect(readFileSync(join(chartDir, 'crds', name), 'utf8'), `${name}: run npm run crds:generate`).toBe(
        content,
      );
    const out = await kubectl(
      'apply',
      '--server-side',
      '--dry-run=server',
      '--force-conflicts',
      '--field-manager=chart-test',
      '-f',
      join(chartDir, 'crds'),
    );
    expect(out.trim().split('\n')).toHaveLength(kinds.length);
  });

  it('installs into a fresh namespace: every object accepted, the existing CRDs left as they were', async () => {
    const out = await helmRelease('install', '--timeout', '120s');
    expect(out).toContain('STATUS: deployed');
    const status = JSON.parse(await helm('status', release, '-n', namespace, '-o', 'json')) as {
      info: { status: string };
    };
    expect(status.info.status).toBe('deployed');

    // Every object helm rendered is in the apiserver.
    const manifest = parseAllDocuments(await helm('get', 'manifest', release, '-n', namespace))
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null);
    expect(manifest.map((d) => d.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        'ClusterRoleBinding',
        'Deployment',
        'MutatingWebhookConfiguration',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'RoleBinding',
        'Secret',
        'Service',
        'ServiceAccount',
        'ValidatingWebhookConfiguration',
      ].sort(),
    );
    for (const doc of manifest) {
      const ns = doc.metadata.namespace ? ['-n', doc.metadata.namespace] : [];
      const name = await kubectl('get', doc.kind, doc.metadata.name, ...ns, '-o', 'name');
      expect(name.trim(), `${doc.kind} ${doc.metadata.name}`).not.toBe('');
    }
    // The Deployment is accepted; no kubelet runs its pods on the test bed.
    const deployment = await apps.readNamespacedDeployment({ name: fullname, namespace });
    expect(deployment.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['webhook', 'controller']);

    // Helm skips CRDs that exist and never owns or deletes them: the shared ones are untouched.
    expect(await crdOwners()).toEqual(crdsBefore);
    for (const kind of kinds) {
      await kubectl(
        'wait',
        '--for=condition=Established',
        '--timeout=30s',
        `crd/${kind.plural}.medusa.k8ssandra.io`,
      );
    }
  });

  it('registers webhooks selecting what the tests register through webhook/manifests.ts', async () => {
    const mutating = await admission.readMutatingWebhookConfiguration({ name: fullname });
    const validating = await admission.readValidatingWebhookConfiguration({ name: fullname });
    const secret = await core.readNamespacedSecret({ name: `${fullname}-webhook-tls`, namespace });
    // As test/support/stack.ts registers them (by URL), normalised by the apiserver the same way.
    const reference = webhookConfigurations({
      name: 'reference',
      caBundle: secret.data?.['ca.crt'] ?? '',
      target: { service: { namespace, name: `${fullname}-webhook` } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': served } },
    });
    const comparable = (hooks: object[] | undefined) =>
      (hooks ?? []).map((hook) => {
        const h = hook as Record<string, unknown> & { clientConfig: { service?: object; caBundle?: string } };
        return {
          name: h.name,
          rules: h.rules,
          path: (h.clientConfig.service as { path?: string } | undefined)?.path,
          caBundle: h.clientConfig.caBundle,
          sideEffects: h.sideEffects,
          admissionReviewVersions: h.admissionReviewVersions,
          failurePolicy: h.failurePolicy,
          matchPolicy: h.matchPolicy,
          timeoutSeconds: h.timeoutSeconds,
          reinvocationPolicy: h.reinvocationPolicy,
          namespaceSelector: h.namespaceSelector,
        };
      });
    expect(comparable(mutating.webhooks)).toEqual(comparable(reference.mutating.webhooks));
    expect(comparable(validating.webhooks)).toEqual(comparable(reference.validating.webhooks));
    expect(mutating.webhooks?.[0]?.clientConfig.service).toMatchObject({
      namespace,
      name: `${fullname}-webhook`,
      path: '/mutate/statefulsets',
      port: 443,
    });
  });

  it('helm upgrade keeps the generated certificate, so the caBundle the apiserver trusts stays valid', async () => {
    const before = await core.readNamespacedSecret({ name: `${fullname}-webhook-tls`, namespace });
    const out = await helmRelease('upgrade', '--set', 'logLevel=debug');
    expect(out).toContain('REVISION: 2');
    const after = await core.readNamespacedSecret({ name: `${fullname}-webhook-tls`, namespace });
    expect(after.data).toEqual(before.data);
    const mutating = await admission.readMutatingWebhookConfiguration({ name: fullname });
    expect(mutating.webhooks?.[0]?.clientConfig.caBundle).toBe(before.data?.['ca.crt']);
  });

  it("sends StatefulSets of the served namespace, and only those, to the chart's webhook Service", async () => {
    const sts = (name: string): k8s.V1StatefulSet => ({
      metadata: { name },
      spec: {
        serviceName: name,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    // failurePolicy Fail: the apiserver tried the Service (no pod answers it here) and refused.
    await expect(
      apps.createNamespacedStatefulSet({ namespace: served, body: sts('dc1'), dryRun: 'All' }),
    ).rejects.toMatchObject({
      body: expect.stringContaining('failed calling webhook \\"statefulsets.mutate.medusa.k8ssandra.io\\"'),
    });
    await expect(
      apps.createNamespacedStatefulSet({ namespace, body: sts('dc1'), dryRun: 'All' }),
    ).resolves.toMatchObject({ metadata: { name: 'dc1' } });
  });
});

// Every API call of the controller, the webhook and the agents, derived from controller/**,
// webhook/cluster.ts and its callers, agent/pod/**, lib/medusa-api.ts, lib/node-report.ts and
// lib/datacenter.ts; then calls they must not be able to make. `who` is the chart's ServiceAccount
// (controller and webhook share it) or the Cassandra pods' one bound by agent.serviceAccounts.
// `where`: cassandra = a namespace with Cassandra in it, release = the release namespace (the
// Lease's, and the agent's own), elsewhere = any other namespace. A resource may carry [subresource]
// and /name. Columns are separated by two spaces or more.
const rbacTable = `
who         verbs             resource                                                       where      allowed  why
controller  get,list,watch    medusabackupjobs.medusa.k8ssandra.io                           cassandra  yes      reconcile loop, schedules list running jobs
controller  get,list,watch    medusabackupschedules.medusa.k8ssandra.io                      cassandra  yes      reconcile loop
controller  get,list,watch    medusarestorejobs.medusa.k8ssandra.io                          cassandra  yes      reconcile loop
controller  get,list,watch    medusatasks.medusa.k8ssandra.io                                cassandra  yes      reconcile loop
controller  get,list,watch    medusaconfigurations.medusa.k8ssandra.io                       cassandra  yes      reconcile loop (purge schedules)
controller  create,delete     medusabackupjobs.medusa.k8ssandra.io                           cassandra  yes      schedules start and replace jobs
controller  create,delete     medusabackupschedules.medusa.k8ssandra.io                      cassandra  yes      daily <dc>-purge schedule
controller  create,delete     medusatasks.medusa.k8ssandra.io                                cassandra  yes      purge schedules, <task>-sync
controller  get,create        medusabackups.medusa.k8ssandra.io                              cassandra  yes      MedusaBackup of a finished job, restore
controller  patch             medusabackupjobs.medusa.k8ssandra.io[status]                   cassandra  yes      patchStatus
controller  patch             medusabackupschedules.medusa.k8ssandra.io[status]              cassandra  yes      patchStatus
controller  patch             medusarestorejobs.medusa.k8ssandra.io[status]                  cassandra  yes      patchStatus
controller  patch             medusatasks.medusa.k8ssandra.io[status]                        cassandra  yes      patchStatus
controller  patch             medusabackups.medusa.k8ssandra.io[status]                      cassandra  yes      patchStatus
controller  patch             medusaconfigurations.medusa.k8ssandra.io[status]               cassandra  yes      configuration conditions
controller  get               secrets                                                        cassandra  yes      SecretAvailable, metadata only
controller  patch             secrets                                                        cassandra  yes      k8ssandra.io/refresh after a restore
controller  get,list,patch    statefulsets.apps                                              cassandra  yes      findDatacenter, stop and start, restore env
controller  get,list,patch    cassandradatacenters.cassandra.datastax.com                    cassandra  yes      findDatacenter, purge schedules, restore
controller  list              pods                                                           cassandra  yes      restore waits for pods
controller  create            events                                                         cassandra  yes      controller/events.ts
controller  create            leases.coordination.k8s.io                                     release    yes      leader election
controller  get,update        leases.coordination.k8s.io/kubectl-medusa-controller           release    yes      leader election
controller  get,list          medusaconfigurations.medusa.k8ssandra.io                       elsewhere  yes      webhook: binding, bucket-and-prefix check
controller  get,list          medusabackups.medusa.k8ssandra.io                              elsewhere  yes      webhook: restore validation
controller  get,list          medusabackupjobs.medusa.k8ssandra.io                           elsewhere  yes      webhook: one job per datacenter
controller  get,list          cassandradatacenters.cassandra.datastax.com                    elsewhere  yes      webhook: binding, bucket-and-prefix check
controller  get,list          statefulsets.apps                                              elsewhere  yes      webhook: binding, bucket-and-prefix check
agent       list              medusabackupjobs.medusa.k8ssandra.io                           release    yes      the sidecar finds its work
agent       list              medusatasks.medusa.k8ssandra.io                                release    yes      the sidecar finds its work
agent       list              medusarestorejobs.medusa.k8ssandra.io                          release    yes      the sidecar checks a restore's filter
agent       patch             medusabackupjobs.medusa.k8ssandra.io[status]                   release    yes      reportNodeProgress
agent       patch             medusatasks.medusa.k8ssandra.io[status]                        release    yes      reportNodeProgress
agent       patch             medusarestorejobs.medusa.k8ssandra.io[status]                  release    yes      reportNodeProgress (medusa-restore)
agent       patch             medusaconfigurations.medusa.k8ssandra.io[status]               release    yes      reportStorageCheck
agent       list,create,delete  medusabackups.medusa.k8ssandra.io                            release    yes      sync task
agent       patch             medusabackups.medusa.k8ssandra.io[status]                      release    yes      sync task
controller  list,delete        secrets                                                        cassandra  no       one secret by name, metadata only
controller  create            clusterroles.rbac.authorization.k8s.io                         cassandra  no       no RBAC changes
controller  create            pods[exec]                                                     cassandra  no       never calls a pod
controller  patch,delete      pods                                                           cassandra  no       never touches pods
controller  delete            statefulsets.apps                                              cassandra  no       scales, never deletes
controller  update,patch      statefulsets.apps[scale]                                       cassandra  no       patches spec.replicas, not the scale subresource
controller  patch,update      medusaconfigurations.medusa.k8ssandra.io                       cassandra  no       reads configurations only
controller  update            leases.coordination.k8s.io/another-lease                       release    no       its own Lease only
controller  create            leases.coordination.k8s.io                                     cassandra  no       a Lease in its namespace only
agent       get               secrets                                                        release    no       credentials are mounted
agent       patch,update      medusabackupjobs.medusa.k8ssandra.io                           release    no       status only
agent       delete            medusabackupjobs.medusa.k8ssandra.io                           release    yes      sync task deletes the job of a vanished backup
agent       get               medusaconfigurations.medusa.k8ssandra.io                       release    no       medusa.ini comes in MEDUSA_INI
agent       list              medusabackupjobs.medusa.k8ssandra.io                           elsewhere  no       bound in its namespace only
agent       create            pods[exec]                                                     release    no       never
`;

interface Call {
  who: 'controller' | 'agent';
  verb: string;
  resource: string;
  where: 'cassandra' | 'release' | 'elsewhere';
  allowed: boolean;
  why: string;
}
const calls: Call[] = rbacTable
  .trim()
  .split('\n')
  .slice(1)
  .flatMap((line) => {
    const [who, verbs, resource, where, allowed, why] = line.split(/\s{2,}/) as [
      Call['who'],
      string,
      string,
      Call['where'],
      string,
      string,
    ];
    return verbs.split(',').map((verb) => ({ who, verb, resource, where, allowed: allowed === 'yes', why }));
  });

describe('RBAC of the installed chart (kubectl auth can-i --as the service accounts)', () => {
  it.each(calls)('$who $verb $resource in the $where namespace: $allowed ($why)', async (call) => {
    const account = call.who === 'controller' ? fullname : agentServiceAccount;
    const ns = { cassandra: served, release: namespace, elsewhere: 'default' }[call.where];
    const [, type = '', subresource, name] = /^([^[/]+)(?:\[(\w+)\])?(?:\/(.+))?$/.exec(call.resource) ?? [];
    const answer = await kubectl(
      'auth',
      'can-i',
      call.verb,
      name ? `${type}/${name}` : type,
      ...(subresource ? [`--subresource=${subresource}`] : []),
      `--as=system:serviceaccount:${namespace}:${account}`,
      '-n',
      ns,
    ).catch((error: { stdout?: string }) => error.stdout ?? '');
    expect(answer.trim()).toBe(call.allowed ? 'yes' : 'no');
  });
});

describe("the product's processes with the chart's service accounts and certificate", () => {
  it('the controller, with a token of the chart ServiceAccount, leads and fails a job on a missing datacenter', async () => {
    const kubeconfig = await serviceAccountKubeconfig(fullname);
    startService({
      name: services[0]!,
      command: process.execPath,
      args: ['--import', 'tsx', join(repoRoot, 'controller', 'main.ts')],
      cwd: repoRoot,
      env: {
        KUBECONFIG: kubeconfig,
        WATCH_NAMESPACE: namespace,
        LEASE_NAMESPACE: namespace,
        POD_NAME: `${fullname}-test-pod`,
        // A job on a datacenter that never comes fails after this wait (default 30 min).
        DATACENTER_WAIT_SECONDS: '2',
      },
    });
    await custom.createNamespacedCustomObject({
      group: 'medusa.k8ssandra.io',
      version: 'v1alpha1',
      namespace,
      plural: 'medusabackupjobs',
      body: {
        apiVersion: 'medusa.k8ssandra.io/v1alpha1',
        kind: 'MedusaBackupJob',
        metadata: { name: 'nowhere-backup' },
        spec: { cassandraDatacenter: 'nowhere' },
      },
    });
    let job: { status?: { conditions?: { type: string; status: string; message: string }[] } } = {};
    await waitUntil(
      services[0]!,
      async () => {
        job = (await custom.getNamespacedCustomObject({
          group: 'medusa.k8ssandra.io',
          version: 'v1alpha1',
          namespace,
          plural: 'medusabackupjobs',
          name: 'nowhere-backup',
        })) as typeof job;
        return job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ?? false;
      },
      60_000,
    );
    expect(job.status?.conditions?.find((c) => c.type === 'Failed')?.message).toMatch(/nowhere/);
    const lease = await kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: 'kubectl-medusa-controller', namespace });
    expect(lease.spec?.holderIdentity).toBe(`${fullname}-test-pod`);
    const events = await core.listNamespacedEvent({ namespace });
    expect(events.items.some((e) => e.involvedObject.name === 'nowhere-backup' && e.type === 'Warning')).toBe(
      true,
    );
    expect(logTail(services[0]!, 200)).not.toMatch(/forbidden/i);
    await stopService(services[0]!);
  });

  it("the webhook serves the chart's certificate, trusted through the registered caBundle, and decides with the chart's RBAC", async () => {
    const secret = await core.readNamespacedSecret({ name: `${fullname}-webhook-tls`, namespace });
    const certDir = join(runDir, 'chart', suffix, 'tls');
    mkdirSync(certDir, { recursive: true });
    for (const key of ['tls.crt', 'tls.key'])
      writeFileSync(join(certDir, key), Buffer.from(secret.data?.[key] ?? '', 'base64'));
    startService({
      name: services[1]!,
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        join(repoRoot, 'webhook', 'main.ts'),
        '--port',
        String(webhookPort),
        '--host',
        '127.0.0.1',
        '--cert-dir',
        certDir,
        '--kubeconfig',
        await serviceAccountKubeconfig(fullname),
      ],
      cwd: repoRoot,
    });
    await waitUntil(services[1]!, () => portOpen('127.0.0.1', webhookPort), 60_000);
    const mutating = await admission.readMutatingWebhookConfiguration({ name: fullname });
    const ca = Buffer.from(mutating.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64');
    // As the apiserver connects: to the Service's DNS name, trusting only the caBundle.
    const call = (
      method: string,
      path: string,
      body?: unknown,
      servername = `${fullname}-webhook.${namespace}.svc`,
    ) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: webhookPort,
            method,
            path,
            ca,
            servername,
            headers: body ? { 'content-type': 'application/json' } : {},
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    expect(await call('GET', '/readyz')).toMatchObject({ status: 200 });
    // The name is checked: the certificate is for the chart's Service only.
    await expect(call('GET', '/readyz', undefined, 'medusa-webhook.elsewhere.svc')).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const review = (spec: Record<string, unknown>) => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `chart-${Date.now()}`,
        kind: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', kind: 'MedusaConfiguration' },
        resource: { group: 'medusa.k8ssandra.io', version: 'v1alpha1', resource: 'medusaconfigurations' },
        name: 'minio',
        namespace: served,
        operation: 'CREATE',
        userInfo: { username: 'chart-test' },
        object: {
          apiVersion: 'medusa.k8ssandra.io/v1alpha1',
          kind: 'MedusaConfiguration',
          metadata: { name: 'minio', namespace: served },
          spec,
        },
      },
    });
    const storage = {
      storageProvider: 's3',
      bucketName: `chart-${suffix}`,
      region: 'us-east-1',
      storageSecretRef: { name: 'bucket-key' },
    };
    // A valid configuration needs the cluster-wide lookups (bucket and prefix shared?) to succeed.
    const valid = await call(
      'POST',
      '/validate',
      review({
        storageProperties: { ...storage, prefix: 'dc1' },
      }),
    );
    expect(JSON.parse(valid.body)).toMatchObject({ response: { allowed: true } });
    const invalid = await call(
      'POST',
      '/validate',
      review({
        storageProperties: { ...storage, transferMaxBandwidth: '50MB' },
      }),
    );
    expect(JSON.parse(invalid.body)).toMatchObject({
      response: { allowed: false, status: { message: expect.stringContaining('transferMaxBandwidth') } },
    });
    expect(logTail(services[1]!, 200)).not.toMatch(/forbidden|HTTP 403/i);
    await stopService(services[1]!);
  });

  it("an agent, with a token of a Cassandra pod's service account, lists its work and reports its node", async () => {
    const agent = new k8s.KubeConfig();
    agent.loadFromFile(await serviceAccountKubeconfig(agentServiceAccount));
    const jobs = await listObjects(agent, 'medusabackupjobs', namespace);
    expect(jobs.map((j) => j.metadata.name)).toContain('nowhere-backup');
    await reportNodeProgress(agent, 'MedusaBackupJob', namespace, 'nowhere-backup', {
      node: 'dc1-0',
      phase: 'Running',
    });
    const job = (await custom.getNamespacedCustomObject({
      group: 'medusa.k8ssandra.io',
      version: 'v1alpha1',
      namespace,
      plural: 'medusabackupjobs',
      name: 'nowhere-backup',
    })) as { status?: { progress?: { node: string; phase: string }[] } };
    expect(job.status?.progress).toContainEqual(expect.objectContaining({ node: 'dc1-0', phase: 'Running' }));
    // Its binding is in its own namespace only.
    await expect(listObjects(agent, 'medusabackupjobs', served)).rejects.toMatchObject({ code: 403 });
  });
});

describe('helm uninstall', () => {
  it('removes everything it installed, cluster-scoped objects included, and leaves the CRDs', async () => {
    await helm('uninstall', release, '-n', namespace, '--wait', '--timeout', '60s');
    const gone = async (call: () => Promise<unknown>) =>
      call().then(
        () => 'still there',
        (error: { code?: number }) => (error.code === 404 ? 'gone' : `HTTP ${error.code}`),
      );
    expect({
      mutating: await gone(() => admission.readMutatingWebhookConfiguration({ name: fullname })),
      validating: await gone(() => admission.readValidatingWebhookConfiguration({ name: fullname })),
      controllerRole: await gone(() => rbac.readClusterRole({ name: `${fullname}-controller` })),
      webhookRole: await gone(() => rbac.readClusterRole({ name: `${fullname}-webhook` })),
      agentRole: await gone(() => rbac.readClusterRole({ name: `${fullname}-agent` })),
      controllerBinding: await gone(() => rbac.readClusterRoleBinding({ name: `${fullname}-controller` })),
      webhookBinding: await gone(() => rbac.readClusterRoleBinding({ name: `${fullname}-webhook` })),
      agentBinding: await gone(() =>
        rbac.readNamespacedRoleBinding({ name: `${fullname}-agent-${agentServiceAccount}`, namespace }),
      ),
      deployment: await gone(() => apps.readNamespacedDeployment({ name: fullname, namespace })),
      secret: await gone(() => core.readNamespacedSecret({ name: `${fullname}-webhook-tls`, namespace })),
      service: await gone(() => core.readNamespacedService({ name: `${fullname}-webhook`, namespace })),
      serviceAccount: await gone(() => core.readNamespacedServiceAccount({ name: fullname, namespace })),
    }).toEqual({
      mutating: 'gone',
      validating: 'gone',
      controllerRole: 'gone',
      webhookRole: 'gone',
      agentRole: 'gone',
      controllerBinding: 'gone',
      webhookBinding: 'gone',
      agentBinding: 'gone',
      deployment: 'gone',
      secret: 'gone',
      service: 'gone',
      serviceAccount: 'gone',
    });
    expect(await crdOwners()).toEqual(crdsBefore);
  });
});
