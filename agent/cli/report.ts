import { humanizeBytes } from '../../lib/units.js';
import type { Catalog, ClusterBackupEntry, NodeBackupEntry } from '../catalog/catalog.js';

// list-backups and status output in cassandra-medusa's text and JSON forms (medusa-storage-format.md §6.2-6.3).

/** `%Y-%m-%d %H:%M:%S` in local time, as Medusa prints it. */
export function formatTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function backupLine(backup: ClusterBackupEntry): string {
  const finished =
    backup.finished !== undefined
      ? formatTime(backup.finished)
      : `Incomplete [${backup.completedNodes.length} of ${Object.keys(backup.tokenMap).length} nodes finished]`;
  return `${backup.name} (started: ${formatTime(backup.started)}, finished: ${finished})`;
}

interface NodeJson {
  fqdn: string;
  started: number;
  finished: number | null;
  server_type: string;
  release_version: string;
  size: number;
  num_objects: number;
}

async function nodeJson(catalog: Catalog, node: NodeBackupEntry): Promise<NodeJson> {
  let serverType = 'cassandra';
  let releaseVersion = 'unknown';
  try {
    const raw = await catalog.store.readBytes(
      catalog.layout.meta(node.fqdn, node.name, 'server_version.json'),
    );
    const parsed = JSON.parse(raw.toString('utf8')) as { server_type?: string; release_version?: string };
    serverType = parsed.server_type ?? serverType;
    releaseVersion = parsed.release_version ?? releaseVersion;
  } catch {
    // Old backups have no server_version.json: Medusa assumes cassandra/unknown.
  }
  let size = 0;
  let objects = 0;
  if (node.finished !== undefined) {
    for (const section of await catalog.manifestOf(node)) {
      objects += section.objects.length;
      for (const object of section.objects) size += object.size;
    }
  }
  return {
    fqdn: node.fqdn,
    started: node.started,
    finished: node.finished ?? null,
    server_type: serverType,
    release_version: releaseVersion,
    size,
    num_objects: objects,
  };
}

/** The JSON object Medusa prints per backup (keys sorted, as Medusa's json.dumps(sort_keys=True)). */
export async function backupJson(
  catalog: Catalog,
  backup: ClusterBackupEntry,
): Promise<Record<string, unknown>> {
  const nodes = await Promise.all(backup.nodes.map((node) => nodeJson(catalog, node)));
  const complete = nodes.filter((n) => n.finished !== null);
  const incomplete = nodes.filter((n) => n.finished === null).map((n) => ({ ...n, size: 0 }));
  const value: Record<string, unknown> = {
    backup_type: backup.differential ? 'differential' : 'full',
    completed_nodes: backup.completedNodes.length,
    finished: backup.finished ?? null,
    incomplete_nodes: incomplete.length,
    incomplete_nodes_list: incomplete,
    missing_nodes: backup.missingNodes.length,
    missing_nodes_list: backup.missingNodes,
    name: backup.name,
    nodes: complete,
    num_objects: complete.reduce((sum, n) => sum + n.num_objects, 0),
    size: complete.reduce((sum, n) => sum + n.size, 0),
    started: backup.started,
  };
  return value;
}

export async function statusText(catalog: Catalog, backup: ClusterBackupEntry): Promise<string> {
  const { size, objects } = await catalog.totals(backup);
  const lines = [
    backup.complete ? backup.name : `${backup.name} [Incomplete!]`,
    `- Started: ${formatTime(backup.started)}, Finished: ${backup.finished !== undefined ? formatTime(backup.finished) : 'never'}`,
    `- ${backup.completedNodes.length} nodes completed, ${backup.incompleteNodes.length} nodes incomplete, ${backup.missingNodes.length} nodes missing`,
  ];
  if (backup.incompleteNodes.length) lines.push(`- Incomplete nodes: ${backup.incompleteNodes.join(', ')}`);
  if (backup.missingNodes.length) lines.push(`- Missing nodes: ${backup.missingNodes.join(', ')}`);
  lines.push(`- ${objects} files, ${humanizeBytes(size)}`);
  return lines.join('\n');
}
