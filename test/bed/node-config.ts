// Configuration files of the bed's real node (test/bed/node.ts): containerd, the CNI bridge network,
// the kubelet and kube-proxy. Every path is under the node's folder in the bed's run directory, and
// every listener is on loopback or on the bridge the bed creates, so nothing is reachable from off
// the machine and nothing of the host's own containers (podman) is shared.
import { join } from 'node:path';
import { cacheDir, k8sVersion, runDir } from './paths.js';

export const nodeDir = join(runDir, 'node');
/** The node's name: it resolves to 127.0.0.1 everywhere, where the kubelet listens for the apiserver. */
export const nodeName = 'localhost';
/** The pod subnet on the bridge the bed creates; the bridge holds the gateway address. */
export const podNetwork = { bridge: 'medusa-br0', subnet: '10.244.0.0/24', gateway: '10.244.0.1' };
/** The apiserver's Service address (--service-cluster-ip-range 10.0.0.0/24 in kube.ts). */
export const kubernetesService = { ip: '10.0.0.1', port: 443 };
export const pauseImage = 'localhost/medusa-pause:1';
/**
 * The node's taint: only pods that tolerate it are scheduled there. Other tests' pods (run by the
 * kubelet stand-in, test/harness) stay unscheduled while the node is up.
 */
export const nodeTaint = {
  key: 'medusa.k8ssandra.io/bed-node',
  value: 'true',
  effect: 'NoSchedule',
} as const;
export const nodePorts = { kubelet: 10250, kubeletHealthz: 10248, proxyHealthz: 10256, scheduler: 10259 };

export const nodeArtefacts = {
  bin: (name: 'kubelet' | 'kube-scheduler' | 'kube-proxy') =>
    join(cacheDir, 'k8s-node', k8sVersion, 'bin', name),
  pauseArchive: join(cacheDir, 'node-pause', '1', 'pause.tar'),
};

export const paths = {
  containerdConfig: join(nodeDir, 'containerd.toml'),
  containerdRoot: join(nodeDir, 'containerd', 'root'),
  containerdState: join(nodeDir, 'containerd', 'state'),
  containerdSocket: join(nodeDir, 'containerd', 'containerd.sock'),
  runcRoot: join(nodeDir, 'containerd', 'runc'),
  cniConf: join(nodeDir, 'cni', 'conf'),
  cniIpam: join(nodeDir, 'cni', 'ipam'),
  kubeletRoot: join(nodeDir, 'kubelet'),
  kubeletConfig: join(nodeDir, 'kubelet.yaml'),
  kubeletWrapper: join(nodeDir, 'bin', 'kubelet'),
  sysctlMasks: join(nodeDir, 'sysctl'),
  podLogs: join(nodeDir, 'pod-logs'),
  volumePlugins: join(nodeDir, 'volume-plugins'),
  proxyConfig: join(nodeDir, 'kube-proxy.yaml'),
};

export function containerdConfig(): string {
  return `version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"
oom_score = 0
# Plugins that would touch paths outside the node's folder or the host's storage drivers.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${paths.containerdSocket}"
[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(nodeDir, 'containerd', 'opt')}"
[plugins."io.containerd.grpc.v1.cri"]
  # No registry can be reached: the sandbox image is imported (test/bed/provision/node.sh builds it).
  sandbox_image = "${pauseImage}"
  # Root here lacks CAP_SYS_RESOURCE: the sandbox's -998 cannot be set, so scores are clamped.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${paths.runcRoot}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${paths.cniConf}"
`;
}

/**
 * The pods' network: the bridge plugin attaches each pod to the bed's bridge, which already holds
 * the gateway address (isGateway false: the plugin neither re-addresses the bridge nor turns on the
 * host's IP forwarding); no masquerade, nothing leaves the machine.
 */
export function cniConfig(): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'medusa-bed',
      plugins: [
        {
          type: 'bridge',
          bridge: podNetwork.bridge,
          isGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: paths.cniIpam,
            ranges: [[{ subnet: podNetwork.subnet, gateway: podNetwork.gateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
      ],
    },
    null,
    2,
  );
}

/**
 * The kubelet: cgroupfs without QoS cgroups (the machine's cgroups are hybrid v1), no eviction and
 * no image garbage collection (imported images cannot be pulled again), no iptables chains of its
 * own, and its API on loopback only. The apiserver reaches it without a client certificate (kube.ts
 * sets none), so it allows anonymous requests; only processes of this machine can connect.
 */
export function kubeletConfig(): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: ${nodePorts.kubelet}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${nodePorts.kubeletHealthz}
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
containerRuntimeEndpoint: unix://${paths.containerdSocket}
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0
makeIPTablesUtilChains: false
evictionHard:
  memory.available: "0%"
  nodefs.available: "0%"
  nodefs.inodesFree: "0%"
  imagefs.available: "0%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
podLogsDir: ${paths.podLogs}
volumePluginDir: ${paths.volumePlugins}
serializeImagePulls: false
maxPods: 50
registerWithTaints:
  - key: ${nodeTaint.key}
    value: "${nodeTaint.value}"
    effect: ${nodeTaint.effect}
`;
}

export function kubeProxyConfig(kubeconfig: string): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${kubeconfig}
mode: iptables
hostnameOverride: ${nodeName}
# The node's address (kubelet --node-ip): kube-proxy need not wait for the Node object to learn it.
bindAddress: ${podNetwork.gateway}
clusterCIDR: ${podNetwork.subnet}
healthzBindAddress: 127.0.0.1:${nodePorts.proxyHealthz}
metricsBindAddress: 127.0.0.1:10249
# NodePorts only on the bridge's address; no route_localnet for the whole host.
nodePortAddresses: ["${podNetwork.gateway}/32"]
iptables:
  localhostNodePorts: false
# Zero: leave the host's conntrack table size and timeouts as they are.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

/**
 * The kubelet runs in a mount namespace of its own, where the kernel settings it insists on
 * (vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1 ...; it writes them when they
 * differ) are files holding those values: the host's settings stay as they are. Its root folder
 * is a shared mount, so the volumes it mounts there reach containerd in the host's namespace.
 */
export const kubeletSysctls: Record<string, string> = {
  'vm/overcommit_memory': '1',
  'vm/panic_on_oom': '0',
  'kernel/panic': '10',
  'kernel/panic_on_oops': '1',
  'kernel/keys/root_maxkeys': '1000000',
  'kernel/keys/root_maxbytes': '25000000',
};

export function kubeletWrapper(): string {
  const masks = Object.keys(kubeletSysctls)
    .map((key) => `mount --bind "${join(paths.sysctlMasks, key.replaceAll('/', '.'))}" /proc/sys/${key}`)
    .join('\n');
  return `#!/bin/sh
# Written by test/bed/node.ts: the kubelet in a mount namespace of its own (node-config.ts).
set -e
if [ "$MEDUSA_KUBELET_NS" != 1 ]; then
  MEDUSA_KUBELET_NS=1 exec unshare --mount --propagation unchanged "$0" "$@"
fi
mount --make-rprivate /proc
${masks}
exec "${nodeArtefacts.bin('kubelet')}" "$@"
`;
}
