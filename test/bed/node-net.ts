// The pods' network of the bed's node: a bridge on this machine holding the gateway of a private
// subnet, and one iptables rule that lets pods reach the apiserver at the kubernetes Service's
// address. The apiserver listens on 127.0.0.1 only (kube.ts), an address the kubernetes Service's
// endpoints cannot hold (the apiserver cannot publish a loopback endpoint), so kube-proxy has no
// endpoint for it: the rule maps the Service address to 127.0.0.1:16443 for traffic from the pod
// subnet, and route_localnet on the bridge alone lets such packets be delivered. Nothing leaves the
// machine: no masquerade, no forwarding (the host's ip_forward stays as it is).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { apiserverPort } from './kube.js';
import { kubernetesService, podNetwork } from './node-config.js';

const chain = 'MEDUSA-BED-NODE';
const prefix = podNetwork.subnet.split('/')[1] ?? '24';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const iptables = (...args: string[]) =>
  spawnSync('iptables', ['-w', '5', '-t', 'nat', ...args], { encoding: 'utf8' });

function must(result: ReturnType<typeof iptables>, what: string): void {
  if (result.status !== 0) throw new Error(`iptables ${what}: ${result.stderr || result.error?.message}`);
}

export function addPodNetwork(): void {
  const { bridge, gateway } = podNetwork;
  if (!existsSync(`/sys/class/net/${bridge}`)) ip('link', 'add', bridge, 'type', 'bridge');
  const addresses = execFileSync('ip', ['-o', '-4', 'addr', 'show', 'dev', bridge], { encoding: 'utf8' });
  if (!addresses.includes(` ${gateway}/`)) ip('addr', 'add', `${gateway}/${prefix}`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  writeFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
  if (iptables('-L', chain, '-n').status !== 0) must(iptables('-N', chain), `-N ${chain}`);
  must(iptables('-F', chain), `-F ${chain}`);
  must(
    iptables(
      '-A',
      chain,
      '-s',
      podNetwork.subnet,
      '-d',
      `${kubernetesService.ip}/32`,
      '-p',
      'tcp',
      '--dport',
      String(kubernetesService.port),
      '-m',
      'comment',
      '--comment',
      'kubectl-medusa test bed: pods to the apiserver on loopback',
      '-j',
      'DNAT',
      '--to-destination',
      `127.0.0.1:${apiserverPort}`,
    ),
    'DNAT rule',
  );
  if (iptables('-C', 'PREROUTING', '-j', chain).status !== 0) {
    must(iptables('-A', 'PREROUTING', '-j', chain), 'PREROUTING jump');
  }
}

/**
 * Removes the KUBE-* chains kube-proxy leaves after `kube-proxy --cleanup` (its canaries,
 * KUBE-FIREWALL, KUBE-MARK-MASQ) and the built-in chains' jumps to them, in IPv4 and IPv6. This
 * machine runs no other Kubernetes node: every KUBE-* chain on it is the bed node's.
 */
export function removeKubeChains(): void {
  for (const family of ['iptables', 'ip6tables']) {
    const saved = spawnSync(`${family}-save`, { encoding: 'utf8' });
    if (saved.status !== 0) continue;
    const script: string[] = [];
    for (const block of saved.stdout.split(/^\*/m).slice(1)) {
      const [table = '', ...lines] = block.split('\n');
      const chains = lines.filter((l) => l.startsWith(':KUBE-')).map((l) => l.slice(1).split(' ')[0]!);
      if (chains.length === 0) continue;
      script.push(`*${table.trim()}`);
      for (const line of lines) {
        if (/^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-/.test(line)) {
          script.push(line.replace(/^-A /, '-D '));
        }
      }
      script.push(...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
    }
    if (script.length > 0) {
      spawnSync(`${family}-restore`, ['--noflush', '-w', '5'], { input: `${script.join('\n')}\n` });
    }
  }
}

/** Removes the bed's rule and the bridge (pods' veths go with their network namespaces). */
export function removePodNetwork(): void {
  removeKubeChains();
  while (iptables('-C', 'PREROUTING', '-j', chain).status === 0) iptables('-D', 'PREROUTING', '-j', chain);
  if (iptables('-L', chain, '-n').status === 0) {
    iptables('-F', chain);
    iptables('-X', chain);
  }
  if (existsSync(`/sys/class/net/${podNetwork.bridge}`)) ip('link', 'del', podNetwork.bridge);
}
