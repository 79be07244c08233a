import type { PathMap } from './path-map.js';

// MEDUSA_INI carries the whole medusa.ini. Its container paths are rewritten like any env value;
// besides, Medusa reads cassandra.yaml from /etc/cassandra/cassandra.yaml when [cassandra]
// config_file is absent, a default no rewriting can reach: it is written into the file instead.

export const cassandraYamlPath = '/etc/cassandra/cassandra.yaml';

/**
 * Inside a pod, 127.0.0.1 and localhost are the pod itself (Cassandra's Jolokia or management API in
 * the next container); here the pod is its node's address, so such URLs point there.
 */
export function podLoopback(text: string, podIp: string | undefined): string {
  if (!podIp) return text;
  return text.replace(/(:\/\/)(127\.0\.0\.1|localhost)(?=[:/])/g, `$1${podIp}`);
}

export function localMedusaIni(ini: string, paths: PathMap, podIp?: string): string {
  const rewritten = podLoopback(paths.rewrite(ini), podIp);
  const yaml = paths.resolve(cassandraYamlPath);
  if (!yaml) return rewritten;
  const lines = rewritten.split('\n');
  const header = lines.findIndex((line) => /^\s*\[cassandra\]\s*$/.test(line));
  if (header === -1) return `${rewritten.replace(/\n*$/, '\n')}\n[cassandra]\nconfig_file = ${yaml}\n`;
  let end = lines.length;
  for (let i = header + 1; i < lines.length; i++) {
    if (/^\s*\[.*\]\s*$/.test(lines[i] ?? '')) {
      end = i;
      break;
    }
  }
  if (lines.slice(header + 1, end).some((line) => /^\s*config_file\s*[=:]/.test(line))) return rewritten;
  const indent = /^(\s*)/.exec(lines[header] ?? '')?.[1] ?? '';
  lines.splice(header + 1, 0, `${indent}config_file = ${yaml}`);
  return lines.join('\n');
}
