import type { ObjectInfo } from '../driver.js';
import type { Storage } from '../storage.js';
import { mapLimited } from '../transfer/limiter.js';
import type { BucketLayout } from './layout.js';
import {
  serializeManifest,
  serializeServerVersion,
  type Manifest,
  type ManifestObject,
  type ManifestSection,
  type ServerVersion,
} from './manifest.js';
import type { SnapshotFile, SnapshotTable } from './snapshot-files.js';
import { serializeTokenMap, type TokenMap } from './tokenmap.js';

export type BackupMode = 'full' | 'differential';

export interface NodeBackupSpec {
  fqdn: string;
  name: string;
  mode: BackupMode;
  schema: string;
  tokenmap: TokenMap;
  serverVersion: ServerVersion;
}

export interface UploadSummary {
  uploaded: number;
  reused: number;
  bytesUploaded: number;
}

const epochOf = (info: ObjectInfo): number => Math.floor(info.lastModified.getTime() / 1000);

/**
 * Writes one node backup in cassandra-medusa's order (medusa/backup_node.py), so that a reader
 * never takes a partial backup for a finished one:
 *   start:  meta/schema.cql, meta/tokenmap.json, meta/server_version.json, [meta/differential],
 *           index tokenmap_F.json, schema_F.cql, started_F_<t>.timestamp, [differential_F]
 *   data:   P F/B/data/... (full) or the pool P F/data/... (differential, unchanged files reused)
 *   finish: meta/manifest.json, index manifest_F.json, finished_F_<t>.timestamp,
 *           latest_backup/F/tokenmap.json, latest_backup/F/backup_name.txt
 */
export class NodeBackupWriter {
  readonly differential: boolean;
  private readonly sections: ManifestSection[] = [];
  private pool: Map<string, ObjectInfo> | undefined;
  private tokenmapText = '';
  private finished = false;
  readonly summary: UploadSummary = { uploaded: 0, reused: 0, bytesUploaded: 0 };
  /** Epoch seconds of the index `started` entry (schema.cql's last-modified time). */
  started = 0;

  constructor(
    private readonly storage: Storage,
    private readonly layout: BucketLayout,
    readonly spec: NodeBackupSpec,
  ) {
    this.differential = spec.mode === 'differential';
  }

  private meta(file: Parameters<BucketLayout['meta']>[2]): string {
    return this.layout.meta(this.spec.fqdn, this.spec.name, file);
  }

  /** Meta files and index start entries. Called by BackupRepository.startNodeBackup. */
  async start(): Promise<void> {
    const { fqdn, name } = this.spec;
    const schema = await this.storage.putBytes(this.meta('schema.cql'), this.spec.schema);
    this.tokenmapText = serializeTokenMap(this.spec.tokenmap);
    await this.storage.putBytes(this.meta('tokenmap.json'), this.tokenmapText);
    await this.storage.putBytes(
      this.meta('server_version.json'),
      serializeServerVersion(this.spec.serverVersion),
    );
    if (this.differential) await this.storage.putBytes(this.meta('differential'), 'differential');
    // Index copies are byte-identical to the meta files: cluster-level readers use the copies.
    await this.storage.putBytes(this.layout.indexTokenmap(name, fqdn), this.tokenmapText);
    await this.storage.putBytes(this.layout.indexSchema(name, fqdn), this.spec.schema);
    this.started = epochOf(schema);
    await this.storage.putBytes(this.layout.indexStarted(name, fqdn, this.started), String(this.started));
    if (this.differential)
      await this.storage.putBytes(this.layout.indexDifferential(name, fqdn), 'differential');
  }

  /** The differential pool, listed once per node backup, by full key. */
  private async poolIndex(): Promise<Map<string, ObjectInfo>> {
    if (!this.pool) {
      const objects = await this.storage.list(this.layout.pool(this.spec.fqdn));
      this.pool = new Map(objects.map((o) => [o.key, o]));
    }
    return this.pool;
  }

  private keyOf(file: Pick<SnapshotFile, 'keyspace' | 'table' | 'indexDir' | 'name'>): string {
    return this.layout.dataKey(this.spec.fqdn, this.spec.name, this.differential, file);
  }

  /**
   * Uploads one table's snapshot files (concurrentTransfers at a time) and records its manifest
   * section. In differential mode a pool object of the same key and size is reused, as Medusa's
   * default size-only comparison does.
   */
  async uploadTable(table: SnapshotTable): Promise<ManifestSection> {
    if (this.finished) throw new Error('node backup already finished');
    const pool = this.differential ? await this.poolIndex() : undefined;
    const reused: ManifestObject[] = [];
    const toUpload: SnapshotFile[] = [];
    for (const file of table.files) {
      const existing = pool?.get(this.keyOf(file));
      if (existing && existing.size === file.size) {
        reused.push({ path: existing.key, MD5: existing.hash, size: existing.size });
      } else {
        toUpload.push(file);
      }
    }
    const uploaded = await mapLimited(toUpload, this.storage.config.concurrentTransfers, async (file) => {
      const info = await this.storage.uploadFile(this.keyOf(file), file.path);
      if (info.size !== file.size)
        throw new Error(`${file.path} changed during upload (${file.size} → ${info.size})`);
      pool?.set(info.key, info);
      return { path: info.key, MD5: info.hash, size: info.size };
    });
    this.summary.uploaded += uploaded.length;
    this.summary.reused += reused.length;
    this.summary.bytesUploaded += uploaded.reduce((sum, o) => sum + o.size, 0);
    // Medusa's order within a section: newly uploaded first, then reused.
    const section = {
      keyspace: table.keyspace,
      columnfamily: table.table,
      objects: [...uploaded, ...reused],
    };
    this.sections.push(section);
    return section;
  }

  /** Uploads every table of a snapshot, one table after another like Medusa. */
  async uploadTables(tables: SnapshotTable[]): Promise<Manifest> {
    for (const table of tables) await this.uploadTable(table);
    return this.sections;
  }

  /** Manifest, then index end entries, then the latest pointer. Returns the `finished` epoch. */
  async finish(): Promise<{ manifest: Manifest; finished: number }> {
    if (this.finished) throw new Error('node backup already finished');
    const { fqdn, name } = this.spec;
    const manifestText = serializeManifest(this.sections);
    const manifest = await this.storage.putBytes(this.meta('manifest.json'), manifestText);
    await this.storage.putBytes(this.layout.indexManifest(name, fqdn), manifestText);
    const finished = epochOf(manifest);
    await this.storage.putBytes(this.layout.indexFinished(name, fqdn, finished), String(finished));
    await this.storage.putBytes(this.layout.latestTokenmap(fqdn), this.tokenmapText);
    await this.storage.putBytes(this.layout.latestBackupName(fqdn), name);
    this.finished = true;
    return { manifest: this.sections, finished };
  }
}
