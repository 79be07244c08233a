// The bed's real Kubernetes node (issue 15): containerd + runc + the CNI bridge plugin from Debian's
// packages, and kubelet, kube-scheduler and kube-proxy from the apiserver's Kubernetes release, next
// to the bed's apiserver. Pods get network namespaces on a bridge the bed creates (10.244.0.0/24);
// the product image and a local pause image are imported into containerd (no registry is used).
// Every start is fresh (containerd's store included); `stopNode` kills what the node ran and removes
// the bridge, the mounts and the iptables rules it added.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImages } from '../../scripts/images.js';
import { apiserverGet, kubeconfigPath } from './kube.js';
import {
  containerdConfig,
  cniConfig,
  kubeletConfig,
  kubeletSysctls,
  kubeletWrapper,
  kubeProxyConfig,
  nodeArtefacts,
  nodeDir,
  nodeName,
  nodePorts,
  paths,
  pauseImage,
  podNetwork,
} from './node-config.js';
import { addPodNetwork, removePodNetwork } from './node-net.js';
import {
  logFile,
  portOpen,
  refuseUntracked,
  runningPid,
  startService,
  stopProcesses,
  stopService,
  waitUntil,
} from './proc.js';

export const nodeServices = ['containerd', 'kube-scheduler', 'kube-proxy', 'kubelet'] as const;
export const nodeNeeds = [
  nodeArtefacts.bin('kubelet'),
  nodeArtefacts.bin('kube-scheduler'),
  nodeArtefacts.bin('kube-proxy'),
  nodeArtefacts.pauseArchive,
];

const ctr = (...args: string[]): string =>
  execFileSync('ctr', ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 2 ** 20,
  });

function importImage(archive: string, ref: string): void {
  if (ctr('images', 'ls', '-q').split('\n').includes(ref)) return;
  const t0 = Date.now();
  ctr('images', 'import', archive);
  if (!ctr('images', 'ls', '-q').split('\n').includes(ref)) {
    throw new Error(`ctr images import ${archive} did not yield ${ref}: ${ctr('images', 'ls', '-q')}`);
  }
  console.error(`[testbed] node: imported ${ref} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/**
 * The product image the node imported at its start (from the same cache as `npm run images` and
 * image.test.ts: built once). A node started before the sources changed keeps the image it has:
 * restart the node (`npm run testbed -- down node && npm run testbed -- up kube node`) for a new one.
 */
export function nodeProductImage(): string {
  if (!existsSync(imageRefFile)) throw new Error(`the node is not up (no ${imageRefFile})`);
  return readFileSync(imageRefFile, 'utf8').trim();
}

const imageRefFile = join(nodeDir, 'product-image');

async function startContainerd(): Promise<void> {
  for (const dir of [paths.cniConf, paths.cniIpam, paths.containerdState, paths.runcRoot]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(paths.containerdConfig, containerdConfig());
  writeFileSync(join(paths.cniConf, '10-medusa-bed.conflist'), cniConfig());
  startService({ name: 'containerd', command: 'containerd', args: ['--config', paths.containerdConfig] });
  await waitUntil(
    'containerd',
    async () => existsSync(paths.containerdSocket) && ctr('version').includes('Server'),
    60_000,
  );
}

/** The kubelet's shared root folder and the files standing in for its kernel settings. */
function prepareKubelet(): void {
  mkdirSync(paths.kubeletRoot, { recursive: true });
  mkdirSync(paths.sysctlMasks, { recursive: true });
  for (const [key, value] of Object.entries(kubeletSysctls)) {
    writeFileSync(join(paths.sysctlMasks, key.replaceAll('/', '.')), `${value}\n`);
  }
  if (!mountPoints().includes(paths.kubeletRoot)) {
    execFileSync('mount', ['--bind', paths.kubeletRoot, paths.kubeletRoot]);
    execFileSync('mount', ['--make-rshared', paths.kubeletRoot]);
  }
  mkdirSync(join(nodeDir, 'bin'), { recursive: true });
  writeFileSync(paths.kubeletWrapper, kubeletWrapper());
  chmodSync(paths.kubeletWrapper, 0o755);
  writeFileSync(paths.kubeletConfig, kubeletConfig());
}

async function nodeReady(): Promise<boolean> {
  const { status, body } = await apiserverGet(`/api/v1/nodes/${nodeName}`);
  if (status !== 200) return false;
  const node = JSON.parse(body) as { status?: { conditions?: { type: string; status: string }[] } };
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export async function startNode(): Promise<void> {
  if (nodeServices.every((s) => runningPid(s) !== undefined)) return;
  for (const [service, port] of [
    ['kubelet', nodePorts.kubelet],
    ['kube-proxy', nodePorts.proxyHealthz],
    ['kube-scheduler', nodePorts.scheduler],
  ] as const) {
    if (runningPid(service) === undefined) await refuseUntracked(service, port);
  }
  // Whatever a killed or partial earlier start left goes first: every start is fresh.
  await stopNode();
  const image = buildImages(); // before the clock: a cold build takes minutes
  const t0 = Date.now();
  addPodNetwork();
  await startContainerd();
  importImage(nodeArtefacts.pauseArchive, pauseImage);
  importImage(image.archive, image.ref);
  writeFileSync(imageRefFile, image.ref);
  startService({
    name: 'kube-scheduler',
    command: nodeArtefacts.bin('kube-scheduler'),
    args: [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${nodePorts.scheduler}`,
      '--leader-elect=false',
      '--v=1',
    ],
  });
  writeFileSync(paths.proxyConfig, kubeProxyConfig(kubeconfigPath));
  startService({
    name: 'kube-proxy',
    command: nodeArtefacts.bin('kube-proxy'),
    args: [`--config=${paths.proxyConfig}`, '--v=1'],
  });
  prepareKubelet();
  startService({
    name: 'kubelet',
    command: paths.kubeletWrapper,
    args: [
      `--config=${paths.kubeletConfig}`,
      `--kubeconfig=${kubeconfigPath}`,
      `--root-dir=${paths.kubeletRoot}`,
      `--hostname-override=${nodeName}`,
      `--node-ip=${podNetwork.gateway}`,
      '--v=1',
    ],
  });
  await waitUntil('kube-proxy', () => healthz(nodePorts.proxyHealthz), 60_000);
  await waitUntil('kube-scheduler', () => portOpen('127.0.0.1', nodePorts.scheduler), 60_000);
  await waitUntil('kubelet', nodeReady, 120_000, 1000);
  console.error(
    `[testbed] node: Ready ${((Date.now() - t0) / 1000).toFixed(1)}s after the image build or cache look-up`,
  );
}

async function healthz(port: number): Promise<boolean> {
  return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
}

/** Mount points under the node's folder, deepest first (Linux /proc/self/mountinfo). */
function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === nodeDir || point.startsWith(`${nodeDir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Processes whose command line names this node's containerd socket (its shims). */
function shimPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(paths.containerdSocket);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Stops the node and removes what it added to the machine: its containers (through runc, since
 * containerd's shims outlive containerd), kube-proxy's iptables rules (`kube-proxy --cleanup`), the
 * bridge and the bed's own rule, the mounts under the node's folder, the folder, and the Node object.
 */
export async function stopNode(): Promise<void> {
  await stopService('kubelet');
  await stopService('kube-scheduler');
  await stopService('kube-proxy');
  if (existsSync(nodeArtefacts.bin('kube-proxy'))) {
    spawnSync(nodeArtefacts.bin('kube-proxy'), ['--cleanup', '--v=0'], { stdio: 'ignore' });
  }
  // The shims run runc with a root per containerd namespace (<Root>/k8s.io).
  const runcRoots = existsSync(paths.runcRoot)
    ? readdirSync(paths.runcRoot).map((ns) => join(paths.runcRoot, ns))
    : [];
  for (const root of runcRoots) {
    const ids = spawnSync('runc', ['--root', root, 'list', '-q'], { encoding: 'utf8' }).stdout ?? '';
    for (const id of ids.split('\n').filter(Boolean)) {
      spawnSync('runc', ['--root', root, 'kill', '--all', id, 'KILL'], { stdio: 'ignore' });
    }
  }
  await stopService('containerd');
  await stopProcesses(shimPids(), 5_000);
  for (const point of mountPoints()) spawnSync('umount', ['--lazy', point], { stdio: 'ignore' });
  removePodNetwork();
  rmSync(nodeDir, { recursive: true, force: true });
  if (existsSync(kubeconfigPath)) {
    spawnSync(
      'kubectl',
      ['--kubeconfig', kubeconfigPath, 'delete', 'node', nodeName, '--ignore-not-found', '--wait=false'],
      {
        stdio: 'ignore',
        timeout: 15_000,
      },
    );
  }
}

export const nodeLog = (service: (typeof nodeServices)[number]): string => logFile(service);
