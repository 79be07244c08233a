import type { IndexedNodeBackup } from './index-listing.js';
import type { TokenMap } from './tokenmap.js';

/** A backup name across the cluster, with completeness computed as cassandra-medusa does. */
export interface ClusterBackup {
  name: string;
  /** Earliest node start, epoch seconds. */
  started: number;
  /** Latest node finish, only when every expected node finished. */
  finished?: number;
  complete: boolean;
  backupType: 'full' | 'differential';
  /** Node backups under this name, earliest first (may include nodes outside the tokenmap). */
  nodes: IndexedNodeBackup[];
  /** The tokenmap of the earliest node backup: it defines the expected nodes. */
  tokenmap: TokenMap;
  completedNodes: string[];
  incompleteNodes: string[];
  missingNodes: string[];
}

/** Groups node backups by name; `tokenmapOf` returns the earliest node backup's tokenmap. */
export function clusterBackupFrom(nodes: IndexedNodeBackup[], tokenmap: TokenMap): ClusterBackup {
  const first = nodes[0];
  if (!first) throw new Error('a cluster backup needs at least one node backup');
  const byFqdn = new Map(nodes.map((n) => [n.fqdn, n]));
  const expected = [...tokenmap.keys()];
  const missingNodes = expected.filter((fqdn) => !byFqdn.has(fqdn));
  const completedNodes = expected.filter((fqdn) => byFqdn.get(fqdn)?.finished !== undefined);
  const incompleteNodes = expected.filter(
    (fqdn) => byFqdn.has(fqdn) && byFqdn.get(fqdn)?.finished === undefined,
  );
  const complete = expected.length > 0 && missingNodes.length === 0 && incompleteNodes.length === 0;
  const finishedTimes = nodes.flatMap((n) => (n.finished !== undefined ? [n.finished] : []));
  return {
    name: first.name,
    started: Math.min(...nodes.map((n) => n.started)),
    ...(complete ? { finished: Math.max(...finishedTimes) } : {}),
    complete,
    backupType: first.differential ? 'differential' : 'full',
    nodes,
    tokenmap,
    completedNodes,
    incompleteNodes,
    missingNodes,
  };
}
