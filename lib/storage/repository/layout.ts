import { validatePrefix } from './names.js';

/**
 * A name used as one key segment. Reading accepts whatever Medusa wrote; writers validate names
 * strictly first (names.ts).
 */
function segment(value: string): string {
  if (value === '' || value === '.' || value === '..' || value.includes('/')) {
    throw new Error(`'${value}' cannot be a key segment`);
  }
  return value;
}

/**
 * Object keys of cassandra-medusa's bucket layout. `P` is `<prefix>/` or empty, `F` the node's
 * fqdn and `B` the backup name.
 */
export class BucketLayout {
  /** `<prefix>/` or empty. */
  readonly root: string;

  constructor(readonly prefix?: string) {
    this.root = validatePrefix(prefix) ? `${prefix}/` : '';
  }

  /** P F/ — everything of one node. */
  node(fqdn: string): string {
    return `${this.root}${segment(fqdn)}/`;
  }

  /** P F/B/ — one node backup's own folder (meta, and data for full backups). */
  backup(fqdn: string, name: string): string {
    return `${this.node(fqdn)}${segment(name)}/`;
  }

  meta(fqdn: string, name: string, file: MetaFile): string {
    return `${this.backup(fqdn, name)}meta/${file}`;
  }

  /** P F/data/ — the differential SSTable pool shared by all differential backups of F. */
  pool(fqdn: string): string {
    return `${this.node(fqdn)}data/`;
  }

  /** Data root: P F/B/data/ (full) or the pool (differential). */
  dataRoot(fqdn: string, name: string, differential: boolean): string {
    return differential ? this.pool(fqdn) : `${this.backup(fqdn, name)}data/`;
  }

  /** Key of one SSTable component; `indexDir` is a secondary-index folder like `.orders_idx`. */
  dataKey(
    fqdn: string,
    name: string,
    differential: boolean,
    file: { keyspace: string; table: string; indexDir?: string; name: string },
  ): string {
    for (const part of [file.keyspace, file.table, file.name, file.indexDir ?? 'x']) segment(part);
    const index = file.indexDir ? `${file.indexDir}/` : '';
    return `${this.dataRoot(fqdn, name, differential)}${file.keyspace}/${file.table}/${index}${file.name}`;
  }

  /** P index/backup_index — listed without trailing slash, as Medusa does. */
  get backupIndex(): string {
    return `${this.root}index/backup_index`;
  }

  indexFolder(name: string): string {
    return `${this.backupIndex}/${segment(name)}/`;
  }

  indexTokenmap(name: string, fqdn: string): string {
    return `${this.indexFolder(name)}tokenmap_${segment(fqdn)}.json`;
  }

  indexSchema(name: string, fqdn: string): string {
    return `${this.indexFolder(name)}schema_${segment(fqdn)}.cql`;
  }

  indexManifest(name: string, fqdn: string): string {
    return `${this.indexFolder(name)}manifest_${segment(fqdn)}.json`;
  }

  indexDifferential(name: string, fqdn: string): string {
    return `${this.indexFolder(name)}differential_${segment(fqdn)}`;
  }

  indexStarted(name: string, fqdn: string, epoch: number): string {
    return `${this.indexFolder(name)}started_${segment(fqdn)}_${epochText(epoch)}.timestamp`;
  }

  indexFinished(name: string, fqdn: string, epoch: number): string {
    return `${this.indexFolder(name)}finished_${segment(fqdn)}_${epochText(epoch)}.timestamp`;
  }

  latestBackupName(fqdn: string): string {
    return `${this.root}index/latest_backup/${segment(fqdn)}/backup_name.txt`;
  }

  latestTokenmap(fqdn: string): string {
    return `${this.root}index/latest_backup/${segment(fqdn)}/tokenmap.json`;
  }
}

export type MetaFile =
  'schema.cql' | 'tokenmap.json' | 'server_version.json' | 'differential' | 'incremental' | 'manifest.json';

function epochText(epoch: number): string {
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`invalid epoch ${epoch}`);
  return String(epoch);
}
