import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { artefacts, runDir } from './paths.js';
import { createCa, ensureSigningKey, issueCert, pemBase64 } from './pki.js';
import { portOpen, refuseUntracked, runningPid, startService, stopService, waitUntil } from './proc.js';

export const etcdPorts = { client: 23790, peer: 23800 };
export const apiserverPort = 16443;
export const apiserverUrl = `https://127.0.0.1:${apiserverPort}`;

const kubeDir = join(runDir, 'kube');
const pkiDir = join(kubeDir, 'pki');
export const kubeconfigPath = join(kubeDir, 'admin.kubeconfig');

/** The control plane's CA: the apiserver's serving cert and test webhook certs are signed by it. */
export const controlPlaneCa = () => createCa(pkiDir, 'medusa-testbed-ca');

export async function startEtcd(): Promise<void> {
  if (runningPid('etcd') !== undefined) return;
  await refuseUntracked('etcd', etcdPorts.client);
  const data = join(runDir, 'etcd');
  rmSync(data, { recursive: true, force: true });
  const client = `http://127.0.0.1:${etcdPorts.client}`;
  const peer = `http://127.0.0.1:${etcdPorts.peer}`;
  startService({
    name: 'etcd',
    command: artefacts.etcd,
    args: [
      '--name=testbed',
      `--data-dir=${data}`,
      '--unsafe-no-fsync',
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=testbed=${peer}`,
      '--listen-metrics-urls=',
      '--log-level=warn',
    ],
  });
  await waitUntil('etcd', async () => (await fetch(`${client}/health`)).ok, 30_000);
}

/** GET on the apiserver with the admin token; resolves with status and body. */
export function apiserverGet(path: string): Promise<{ status: number; body: string }> {
  const ca = readFileSync(controlPlaneCa().cert);
  const token = readFileSync(join(kubeDir, 'admin.token'), 'utf8').trim();
  return new Promise((resolve, reject) => {
    const req = request(
      `${apiserverUrl}${path}`,
      { ca, headers: { authorization: `Bearer ${token}` }, timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function writeKubeconfig(token: string): void {
  const ca = controlPlaneCa();
  writeFileSync(
    kubeconfigPath,
    `apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster:
    server: ${apiserverUrl}
    certificate-authority-data: ${pemBase64(ca.cert)}
users:
- name: testbed-admin
  user:
    token: ${token}
contexts:
- name: testbed
  context:
    cluster: testbed
    user: testbed-admin
    namespace: default
current-context: testbed
`,
    { mode: 0o600 },
  );
}

export async function startApiserver(): Promise<void> {
  if (runningPid('kube-apiserver') !== undefined) return;
  await refuseUntracked('kube-apiserver', apiserverPort);
  mkdirSync(kubeDir, { recursive: true });
  const ca = controlPlaneCa();
  const serving = issueCert(ca, pkiDir, 'apiserver', 'kube-apiserver', [
    'IP:127.0.0.1',
    'IP:10.0.0.1',
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
  ]);
  const sa = ensureSigningKey(pkiDir);
  const tokenFile = join(kubeDir, 'admin.token');
  if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  const token = readFileSync(tokenFile, 'utf8').trim();
  // Static token file: admin in system:masters; RBAC governs everyone else.
  writeFileSync(join(kubeDir, 'tokens.csv'), `${token},testbed-admin,testbed-admin-uid,"system:masters"\n`, {
    mode: 0o600,
  });
  writeKubeconfig(token);
  startService({
    name: 'kube-apiserver',
    command: artefacts.kubeApiserver,
    args: [
      `--etcd-servers=http://127.0.0.1:${etcdPorts.client}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      `--cert-dir=${join(kubeDir, 'certs')}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${ca.cert}`,
      `--token-auth-file=${join(kubeDir, 'tokens.csv')}`,
      `--service-account-issuer=${apiserverUrl}`,
      `--service-account-key-file=${sa.publicKey}`,
      `--service-account-signing-key-file=${sa.privateKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      // No kubelet mounts tokens here, so pods need no ServiceAccount to exist first.
      '--disable-admission-plugins=ServiceAccount',
      '--profiling=false',
      '--v=1',
    ],
  });
  await waitUntil(
    'kube-apiserver',
    async () => (await apiserverGet('/readyz')).status === 200,
    120_000,
    1000,
  );
}

/** kube-controller-manager: StatefulSet pods, garbage collection, namespace deletion. */
export async function startControllerManager(): Promise<void> {
  if (runningPid('kube-controller-manager') !== undefined) return;
  await refuseUntracked('kube-controller-manager', 10257);
  const ca = controlPlaneCa();
  const sa = ensureSigningKey(pkiDir);
  startService({
    name: 'kube-controller-manager',
    command: artefacts.kubeControllerManager,
    args: [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      '--secure-port=10257',
      '--leader-elect=false',
      `--service-account-private-key-file=${sa.privateKey}`,
      `--root-ca-file=${ca.cert}`,
      '--use-service-account-credentials=false',
      '--profiling=false',
      '--v=1',
    ],
  });
  await waitUntil('kube-controller-manager', () => portOpen('127.0.0.1', 10257), 60_000);
}

export async function stopControlPlane(): Promise<void> {
  await stopService('kube-controller-manager');
  await stopService('kube-apiserver');
  await stopService('etcd');
}
