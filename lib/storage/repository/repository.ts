import { join } from 'node:path';
import { hashesMatch } from '../hashing.js';
import type { ObjectInfo } from '../driver.js';
import type { Storage } from '../storage.js';
import { mapLimited } from '../transfer/limiter.js';
import { clusterBackupFrom, type ClusterBackup } from './cluster.js';
import { nodeBackupsFromIndex, parseIndexKey, type IndexedNodeBackup } from './index-listing.js';
import { BucketLayout } from './layout.js';
import { manifestTotals, parseManifest, type Manifest, type ServerVersion } from './manifest.js';
import { assertNoPrefixCollision, validateBackupName, validateFqdn } from './names.js';
import { NodeBackupWriter, type BackupMode } from './writer.js';
import { parseTokenMap, type TokenMap } from './tokenmap.js';

export interface RepositoryOptions {
  /** `[storage] prefix`. */
  prefix?: string;
}

export interface StartNodeBackup {
  fqdn: string;
  name: string;
  mode: BackupMode;
  /** CQL schema text (semicolon-terminated CREATE statements). */
  schema: string;
  tokenmap: TokenMap;
  serverVersion: ServerVersion;
}

/** One problem found by {@link BackupRepository.verifyNodeBackup}, in medusa verify's words. */
export interface VerifyProblem {
  path: string;
  problem: "Doesn't exists" | 'Blob different' | 'Not in manifest';
}

export interface OrphanCleanup {
  deleted: ObjectInfo[];
  /** Unreferenced pool objects younger than the grace period. */
  spared: ObjectInfo[];
}

/**
 * Backups in cassandra-medusa's bucket layout: listing from the index, reading meta files,
 * writing node backups in Medusa's order, downloading, verifying and deleting.
 */
export class BackupRepository {
  readonly layout: BucketLayout;

  constructor(
    readonly storage: Storage,
    options: RepositoryOptions = {},
  ) {
    this.layout = new BucketLayout(options.prefix);
  }

  get prefix(): string | undefined {
    return this.layout.prefix || undefined;
  }

  // ---- listing -------------------------------------------------------------------------------

  /**
   * Node backups from the index (optionally of one fqdn). Like Medusa, a missing `finished` entry
   * falls back to the manifest's last-modified time, and entries whose schema.cql is gone are
   * dropped (checked from the oldest until one exists).
   */
  async listNodeBackups(filter: { fqdn?: string; name?: string } = {}): Promise<IndexedNodeBackup[]> {
    const listing = await this.storage.list(
      filter.name ? this.layout.indexFolder(filter.name) : this.layout.backupIndex,
    );
    let nodes = nodeBackupsFromIndex(listing, this.prefix).filter(
      (n) => (!filter.fqdn || n.fqdn === filter.fqdn) && (!filter.name || n.name === filter.name),
    );
    while (
      nodes[0] &&
      !(await this.storage.exists(this.layout.meta(nodes[0].fqdn, nodes[0].name, 'schema.cql')))
    ) {
      nodes = nodes.slice(1);
    }
    for (const node of nodes) {
      if (node.finished !== undefined) continue;
      const manifest = await this.storage.head(this.layout.meta(node.fqdn, node.name, 'manifest.json'));
      if (manifest) node.finished = Math.floor(manifest.lastModified.getTime() / 1000);
    }
    return nodes;
  }

  /** Cluster backups (node backups grouped by name), sorted by start, with completeness. */
  async listClusterBackups(): Promise<ClusterBackup[]> {
    return this.groupClusters(await this.listNodeBackups());
  }

  async clusterBackup(name: string): Promise<ClusterBackup | undefined> {
    return (await this.groupClusters(await this.listNodeBackups({ name })))[0];
  }

  private async groupClusters(nodes: IndexedNodeBackup[]): Promise<ClusterBackup[]> {
    const byName = new Map<string, IndexedNodeBackup[]>();
    for (const node of nodes) byName.set(node.name, [...(byName.get(node.name) ?? []), node]);
    const clusters: ClusterBackup[] = [];
    for (const group of byName.values()) {
      const first = group[0]!;
      const tokenmap = parseTokenMap(
        await this.storage.readText(this.layout.indexTokenmap(first.name, first.fqdn)),
      );
      clusters.push(clusterBackupFrom(group, tokenmap));
    }
    return clusters.sort((a, b) => a.started - b.started || (a.name < b.name ? -1 : 1));
  }

  /**
   * Size and object count of a cluster backup: the sums over its finished node backups' manifests,
   * as Medusa reports them (reused differential files count in full).
   */
  async clusterBackupTotals(backup: ClusterBackup): Promise<{ size: number; objects: number }> {
    let size = 0;
    let objects = 0;
    for (const node of backup.nodes) {
      if (node.finished === undefined) continue;
      const totals = manifestTotals(await this.readManifest(node.fqdn, node.name));
      size += totals.size;
      objects += totals.objects;
    }
    return { size, objects };
  }

  /** The name in `index/latest_backup/F/backup_name.txt`, if it still names an existing backup. */
  async latestBackupName(fqdn: string): Promise<string | undefined> {
    const key = this.layout.latestBackupName(fqdn);
    if (!(await this.storage.exists(key))) return undefined;
    const name = await this.storage.readText(key);
    return (await this.storage.exists(this.layout.meta(fqdn, name, 'schema.cql'))) ? name : undefined;
  }

  // ---- reading one node backup ---------------------------------------------------------------

  async readManifest(fqdn: string, name: string): Promise<Manifest> {
    return parseManifest(await this.storage.readText(this.layout.meta(fqdn, name, 'manifest.json')));
  }

  async readTokenMap(fqdn: string, name: string): Promise<TokenMap> {
    return parseTokenMap(await this.storage.readText(this.layout.meta(fqdn, name, 'tokenmap.json')));
  }

  async readSchema(fqdn: string, name: string): Promise<string> {
    return this.storage.readText(this.layout.meta(fqdn, name, 'schema.cql'));
  }

  /** server_version.json; old backups without one read as Medusa assumes. */
  async readServerVersion(fqdn: string, name: string): Promise<ServerVersion> {
    const key = this.layout.meta(fqdn, name, 'server_version.json');
    if (!(await this.storage.exists(key))) return { server_type: 'cassandra', release_version: 'unknown' };
    return JSON.parse(await this.storage.readText(key)) as ServerVersion;
  }

  /** Differential if the index or the meta folder carries the marker (or legacy `incremental`). */
  async isDifferential(fqdn: string, name: string): Promise<boolean> {
    const [node] = await this.listNodeBackups({ fqdn, name });
    if (node?.differential) return true;
    for (const marker of ['differential', 'incremental'] as const) {
      if (await this.storage.exists(this.layout.meta(fqdn, name, marker))) return true;
    }
    return false;
  }

  // ---- writing ---------------------------------------------------------------------------------

  /**
   * Starts a node backup: validates names, refuses an existing backup or a name Medusa's prefix
   * matching would confuse with another, then writes meta and index start entries in Medusa's order.
   */
  async startNodeBackup(options: StartNodeBackup): Promise<NodeBackupWriter> {
    validateFqdn(options.fqdn);
    validateBackupName(options.name);
    if (await this.storage.exists(this.layout.meta(options.fqdn, options.name, 'schema.cql'))) {
      throw new Error(`backup ${options.name} already exists for ${options.fqdn}`);
    }
    const names = new Set((await this.listNodeBackups({ fqdn: options.fqdn })).map((n) => n.name));
    assertNoPrefixCollision(options.name, names);
    const writer = new NodeBackupWriter(this.storage, this.layout, options);
    await writer.start();
    return writer;
  }

  /**
   * Re-creates missing index entries from the meta folders, like `medusa build-index` (which
   * finds nothing under a prefix; this works with one): for each finished node backup of `fqdns`
   * absent from the index, writes its start and finish entries, then points latest_backup at each
   * node's most recently finished backup. Returns the node backups added.
   */
  async rebuildIndex(fqdns: string[]): Promise<{ name: string; fqdn: string }[]> {
    const indexed = new Set((await this.listNodeBackups()).map((n) => `${n.name}\u0000${n.fqdn}`));
    const added: { name: string; fqdn: string }[] = [];
    for (const fqdn of fqdns) {
      const base = this.layout.node(fqdn);
      const objects = await this.storage.list(base);
      const byKey = new Map(objects.map((o) => [o.key, o]));
      let latest: { name: string; finished: number; tokenmap: Buffer } | undefined;
      for (const schema of objects) {
        const match = /^([^/]+)\/meta\/schema\.cql$/.exec(schema.key.slice(base.length));
        const name = match?.[1];
        if (!name) continue;
        const manifest = byKey.get(this.layout.meta(fqdn, name, 'manifest.json'));
        if (!manifest) continue;
        const tokenmap = await this.storage.readBytes(this.layout.meta(fqdn, name, 'tokenmap.json'));
        const started = Math.floor(schema.lastModified.getTime() / 1000);
        const finished = Math.floor(manifest.lastModified.getTime() / 1000);
        if (!latest || finished >= latest.finished) latest = { name, finished, tokenmap };
        if (indexed.has(`${name}\u0000${fqdn}`)) continue;
        const differential =
          byKey.has(this.layout.meta(fqdn, name, 'differential')) ||
          byKey.has(this.layout.meta(fqdn, name, 'incremental'));
        await this.storage.putBytes(this.layout.indexTokenmap(name, fqdn), tokenmap);
        await this.storage.putBytes(
          this.layout.indexSchema(name, fqdn),
          await this.storage.readBytes(schema.key),
        );
        await this.storage.putBytes(this.layout.indexStarted(name, fqdn, started), String(started));
        if (differential)
          await this.storage.putBytes(this.layout.indexDifferential(name, fqdn), 'differential');
        await this.storage.putBytes(
          this.layout.indexManifest(name, fqdn),
          await this.storage.readBytes(manifest.key),
        );
        await this.storage.putBytes(this.layout.indexFinished(name, fqdn, finished), String(finished));
        added.push({ name, fqdn });
      }
      if (latest) {
        await this.storage.putBytes(this.layout.latestTokenmap(fqdn), latest.tokenmap);
        await this.storage.putBytes(this.layout.latestBackupName(fqdn), latest.name);
      }
    }
    return added;
  }

  // ---- download and verify -------------------------------------------------------------------

  /**
   * Downloads a node backup like `medusa download`: `<dest>/<ks>/<table>/[<.index>/]<file>`, then
   * manifest.json, schema.cql and tokenmap.json at the root. Sizes and recorded checksums (MD5 or
   * multipart ETag) are checked as each object streams.
   */
  async downloadNodeBackup(
    fqdn: string,
    name: string,
    destination: string,
    options: { keyspaces?: string[] } = {},
  ): Promise<Manifest> {
    const manifest = await this.readManifest(fqdn, name);
    const wanted = manifest.filter((s) => !options.keyspaces || options.keyspaces.includes(s.keyspace));
    const jobs = wanted.flatMap((section) => section.objects.map((object) => ({ section, object })));
    await mapLimited(jobs, this.storage.config.concurrentTransfers, async ({ section, object }) => {
      const parts = object.path.split('/');
      const file = parts.at(-1)!;
      const parent = parts.at(-2)!;
      const inIndex = parent !== section.columnfamily && (parent.startsWith('.') || parent.endsWith('nodes'));
      const target = join(
        destination,
        section.keyspace,
        section.columnfamily,
        ...(inIndex ? [parent] : []),
        file,
      );
      // Checked as it streams (size, MD5 or multipart ETag) by the one integrity path of the data
      // path: a file that is not what the manifest recorded never reaches its target.
      await this.storage.downloadFile(object.path, target, undefined, {
        size: object.size,
        hash: object.MD5,
        partSize: this.storage.config.multipartChunksize,
      });
    });
    for (const meta of ['manifest.json', 'schema.cql', 'tokenmap.json'] as const) {
      await this.storage.downloadFile(this.layout.meta(fqdn, name, meta), join(destination, meta));
    }
    return manifest;
  }

  /**
   * Checks a node backup like `medusa verify`: every manifest object exists with its size (and
   * hash when both sides know one); full backups must hold nothing else. Statistics files are
   * skipped, as Cassandra rewrites them.
   */
  async verifyNodeBackup(fqdn: string, name: string): Promise<VerifyProblem[]> {
    const differential = await this.isDifferential(fqdn, name);
    const manifest = await this.readManifest(fqdn, name);
    const stored = new Map(
      (await this.storage.list(this.layout.dataRoot(fqdn, name, differential)))
        .filter((o) => !o.key.endsWith('-Statistics.db'))
        .map((o) => [o.key, o]),
    );
    const problems: VerifyProblem[] = [];
    const referenced = new Set<string>();
    for (const object of manifest.flatMap((s) => s.objects)) {
      referenced.add(object.path);
      if (object.path.endsWith('-Statistics.db')) continue;
      const found = stored.get(object.path);
      if (!found) problems.push({ path: object.path, problem: "Doesn't exists" });
      else if (found.size !== object.size || hashesMatch(found.hash, object.MD5) === false) {
        problems.push({ path: object.path, problem: 'Blob different' });
      }
    }
    if (!differential) {
      for (const key of stored.keys())
        if (!referenced.has(key)) problems.push({ path: key, problem: 'Not in manifest' });
    }
    return problems;
  }

  // ---- deletion ------------------------------------------------------------------------------

  /**
   * Deletes one node backup with exact name matching (Medusa's prefix matching would also hit
   * `B10` when deleting `B1`, or node `10.0.0.10` when deleting `10.0.0.1`): its folder, its index
   * entries, and the latest pointer if it names this backup. Pool files are left to
   * {@link purgeOrphans}.
   */
  async deleteNodeBackup(fqdn: string, name: string): Promise<number> {
    const own = await this.storage.list(this.layout.backup(fqdn, name));
    const index = (await this.storage.list(this.layout.indexFolder(name))).filter((o) => {
      const parsed = parseIndexKey(o.key, this.prefix);
      return parsed?.fqdn === fqdn && parsed.name === name;
    });
    // Index first: a half-deleted backup then reads as gone rather than as broken.
    await this.storage.deleteMany(index.map((o) => o.key));
    await this.storage.deleteMany(own.map((o) => o.key));
    const latest = this.layout.latestBackupName(fqdn);
    if ((await this.storage.exists(latest)) && (await this.storage.readText(latest)) === name) {
      await this.storage.deleteMany([latest, this.layout.latestTokenmap(fqdn)]);
    }
    return own.length + index.length;
  }

  /**
   * Deletes differential pool objects of `fqdn` that no finished differential backup (ours or
   * Medusa's) references and that are older than the grace period, which protects backups still
   * uploading. Full backups never reference the pool.
   */
  async purgeOrphans(fqdn: string, options: { graceDays: number; now?: Date }): Promise<OrphanCleanup> {
    const referenced = new Set<string>();
    for (const node of await this.listNodeBackups({ fqdn })) {
      if (!node.differential) continue;
      const manifest = await this.readManifest(fqdn, node.name).catch(() => undefined);
      for (const object of manifest?.flatMap((s) => s.objects) ?? []) referenced.add(object.path);
    }
    const cutoff = (options.now ?? new Date()).getTime() - options.graceDays * 86_400_000;
    const deleted: ObjectInfo[] = [];
    const spared: ObjectInfo[] = [];
    for (const object of await this.storage.list(this.layout.pool(fqdn))) {
      if (referenced.has(object.key)) continue;
      if (object.lastModified.getTime() <= cutoff) deleted.push(object);
      else spared.push(object);
    }
    await this.storage.deleteMany(deleted.map((o) => o.key));
    return { deleted, spared };
  }
}
