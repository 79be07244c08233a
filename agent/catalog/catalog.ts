import type { TokenMap } from '../cassandra/cql.js';
import { MedusaLayout } from '../backup/layout.js';
import { parseTokenMap } from '../backup/medusa-json.js';
import {
  manifestTotals,
  parseManifest,
  type ManifestSection,
} from '../../lib/storage/repository/manifest.js';
import type { ObjectStore, StoredObject } from '../storage/object-store.js';
import { mapLimited } from '../util/limit.js';

// Reads backups the way cassandra-medusa does: from index/backup_index only (medusa-storage-format.md
// §1.5 and §6.1), so both tools see the same backups, complete or not.

export interface NodeBackupEntry {
  name: string;
  fqdn: string;
  /** Epoch seconds from the started_ index file. */
  started: number;
  /** Epoch seconds from finished_ (or, failing that, manifest.json's last-modified); undefined if unfinished. */
  finished?: number;
  differential: boolean;
  /** Index keys belonging to this node backup (exact fqdn match). */
  indexKeys: string[];
}

export interface ClusterBackupEntry {
  name: string;
  nodes: NodeBackupEntry[];
  /** Hosts of the first node backup's tokenmap: the nodes a complete backup must have. */
  tokenMap: TokenMap;
  started: number;
  finished?: number;
  complete: boolean;
  completedNodes: string[];
  incompleteNodes: string[];
  missingNodes: string[];
  differential: boolean;
}

interface IndexFile {
  name: string;
  fqdn: string;
  kind: 'started' | 'finished' | 'tokenmap' | 'schema' | 'manifest' | 'differential' | 'incremental';
  epoch?: number;
  key: string;
}

/** Parses one index key (`[prefix/]index/backup_index/<B>/<file>`), or undefined when Medusa ignores it. */
export function parseIndexKey(key: string, prefix: string | undefined): IndexFile | undefined {
  const parts = key.split('/');
  const expected = prefix ? 5 : 4;
  if (parts.length !== expected) return undefined;
  const name = parts[expected - 2]!;
  const file = parts[expected - 1]!;
  const timed = /^(started|finished)_(.*)_([0-9]+)\.timestamp$/.exec(file);
  if (timed)
    return { name, fqdn: timed[2]!, kind: timed[1] as IndexFile['kind'], epoch: Number(timed[3]), key };
  const other = /^(tokenmap|schema|manifest|differential|incremental)_(.*)$/.exec(file);
  if (!other) return undefined;
  const fqdn = other[2]!.replace(/\.json$|\.cql$|\.txt$|\.timestamp$/, '');
  return { name, fqdn, kind: other[1] as IndexFile['kind'], key };
}

export class Catalog {
  readonly layout: MedusaLayout;

  constructor(
    readonly store: ObjectStore,
    readonly prefix: string | undefined,
  ) {
    this.layout = new MedusaLayout(prefix);
  }

  /** One node backup from its index folder, or undefined when the index has no complete entry set. */
  async nodeBackup(fqdn: string, name: string): Promise<NodeBackupEntry | undefined> {
    return (await this.nodeBackups(fqdn, this.layout.index(name, ''))).find((node) => node.name === name);
  }

  /**
   * Where a node backup stands: `complete` (finished in the index), `partial` (leftovers of a run
   * that never finished, or of a deletion cut short), `unindexed` (a manifest but no index entries:
   * an index that was lost), or `absent`.
   */
  async nodeBackupState(
    fqdn: string,
    name: string,
  ): Promise<'absent' | 'partial' | 'complete' | 'unindexed'> {
    const entry = await this.nodeBackup(fqdn, name);
    if (entry?.finished !== undefined) return 'complete';
    if (entry) return 'partial';
    const folder = await this.store.list(this.layout.backupFolder(fqdn, name));
    if (folder.some((object) => object.key === this.layout.meta(fqdn, name, 'manifest.json'))) {
      const index = await this.store.list(this.layout.index(name, ''));
      return index.some((object) => parseIndexKey(object.key, this.prefix)?.fqdn === fqdn)
        ? 'partial'
        : 'unindexed';
    }
    return folder.length > 0 ? 'partial' : 'absent';
  }

  /**
   * Every node backup in the index, as medusa/storage/__init__.py lists them: those with a tokenmap
   * entry; `started` from the started_ entry or, when the index has none, from the last-modified of
   * `meta/schema.cql` (no schema either: dropped); sorted by start; and only those whose node folder
   * still has `meta/schema.cql` (Medusa silently ignores index entries whose backup was deleted).
   * Unlike Medusa, every entry's schema is checked (Medusa stops at the first existing one) and the
   * stale index entries are left in place (Medusa deletes them while listing).
   */
  async nodeBackups(fqdn?: string, within = this.layout.indexRoot()): Promise<NodeBackupEntry[]> {
    const files = (await this.store.list(within))
      .map((object) => parseIndexKey(object.key, this.prefix))
      .filter((file): file is IndexFile => file !== undefined && (fqdn === undefined || file.fqdn === fqdn));
    const groups = new Map<string, IndexFile[]>();
    for (const file of files) {
      const id = `${file.name}\u0000${file.fqdn}`;
      groups.set(id, [...(groups.get(id) ?? []), file]);
    }
    const candidates = [...groups.values()].filter((group) => group.some((f) => f.kind === 'tokenmap'));
    const entries = await mapLimited(candidates, 8, async (group) => {
      const first = group[0]!;
      const schema = await this.store.head(this.layout.meta(first.fqdn, first.name, 'schema.cql'));
      if (!schema) return undefined;
      const started =
        group.find((f) => f.kind === 'started')?.epoch ?? Math.floor(schema.lastModified.getTime() / 1000);
      let finished = group.find((f) => f.kind === 'finished')?.epoch;
      if (finished === undefined) {
        const manifest = await this.store.head(this.layout.meta(first.fqdn, first.name, 'manifest.json'));
        if (manifest) finished = Math.floor(manifest.lastModified.getTime() / 1000);
      }
      const entry: NodeBackupEntry = {
        name: first.name,
        fqdn: first.fqdn,
        started,
        finished,
        differential: group.some((f) => f.kind === 'differential' || f.kind === 'incremental'),
        indexKeys: group.map((f) => f.key),
      };
      return entry;
    });
    return entries
      .filter((entry): entry is NodeBackupEntry => entry !== undefined)
      .sort((a, b) => a.started - b.started || a.name.localeCompare(b.name));
  }

  async tokenMapOf(node: NodeBackupEntry): Promise<TokenMap> {
    const key = this.layout.index(node.name, `tokenmap_${node.fqdn}.json`);
    return parseTokenMap((await this.store.readBytes(key)).toString('utf8'));
  }

  async manifestOf(node: NodeBackupEntry): Promise<ManifestSection[]> {
    const key = this.layout.meta(node.fqdn, node.name, 'manifest.json');
    return parseManifest((await this.store.readBytes(key)).toString(), key);
  }

  /** Cluster backups (node backups grouped by name), sorted by start, with Medusa's completeness. */
  async clusterBackups(): Promise<ClusterBackupEntry[]> {
    const byName = new Map<string, NodeBackupEntry[]>();
    for (const node of await this.nodeBackups())
      byName.set(node.name, [...(byName.get(node.name) ?? []), node]);
    const clusters: ClusterBackupEntry[] = [];
    for (const [name, nodes] of byName) {
      const tokenMap = await this.tokenMapOf(nodes[0]!);
      const expected = Object.keys(tokenMap);
      const byFqdn = new Map(nodes.map((n) => [n.fqdn, n]));
      const completedNodes = expected.filter((host) => byFqdn.get(host)?.finished !== undefined);
      const incompleteNodes = expected.filter(
        (host) => byFqdn.has(host) && byFqdn.get(host)!.finished === undefined,
      );
      const missingNodes = expected.filter((host) => !byFqdn.has(host));
      const complete = expected.length > 0 && completedNodes.length === expected.length;
      clusters.push({
        name,
        nodes,
        tokenMap,
        started: Math.min(...nodes.map((n) => n.started)),
        finished: complete ? Math.max(...expected.map((host) => byFqdn.get(host)!.finished!)) : undefined,
        complete,
        completedNodes,
        incompleteNodes,
        missingNodes,
        differential: nodes[0]!.differential,
      });
    }
    return clusters.sort((a, b) => a.started - b.started);
  }

  async clusterBackup(name: string): Promise<ClusterBackupEntry | undefined> {
    return (await this.clusterBackups()).find((backup) => backup.name === name);
  }

  /** Size and object count over the finished node backups' manifests. */
  async totals(backup: ClusterBackupEntry): Promise<{ size: number; objects: number }> {
    let size = 0;
    let objects = 0;
    for (const node of backup.nodes.filter((n) => n.finished !== undefined)) {
      const totals = manifestTotals(await this.manifestOf(node));
      size += totals.size;
      objects += totals.objects;
    }
    return { size, objects };
  }

  /** Objects under a prefix, by key. */
  async listing(prefix: string): Promise<Map<string, StoredObject>> {
    return new Map((await this.store.list(prefix)).map((object) => [object.key, object]));
  }
}
