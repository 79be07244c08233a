import { reverse } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * How Medusa names a node in storage and in tokenmap.json (medusa/network/hostname_resolver.py):
 * the IP address when resolve_ip_addresses is off; otherwise the reverse-DNS name, or in Kubernetes
 * mode the first label of a PTR name that is not itself a dashed IP address. Falls back to the IP.
 */
export async function nodeName(
  address: string,
  resolveIpAddresses: boolean,
  k8sMode: boolean,
): Promise<string> {
  if (!resolveIpAddresses) return address;
  let names: string[];
  try {
    names = await reverse(address);
  } catch {
    return address;
  }
  if (!k8sMode) return names[0] ?? address;
  for (const name of names) {
    const label = name.split('.')[0] ?? '';
    if (!isIP(label.replace(/-/g, '.')) && !isIP(label.replace(/-/g, ':'))) return label;
  }
  return address;
}
