// Object keys of cassandra-medusa's bucket layout (medusa-storage-format.md §1.2). `prefix` is
// [storage] prefix (no slash), `fqdn` the node identity, `backup` the backup name.

export class MedusaLayout {
  /** "<prefix>/" or "". */
  readonly p: string;

  constructor(prefix: string | undefined) {
    this.p = prefix ? `${prefix}/` : '';
  }

  nodeBase(fqdn: string): string {
    return `${this.p}${fqdn}`;
  }

  meta(fqdn: string, backup: string, file: string): string {
    return `${this.p}${fqdn}/${backup}/meta/${file}`;
  }

  /** Data root: the backup's own folder (full) or the node's shared pool (differential). */
  dataRoot(fqdn: string, backup: string, differential: boolean): string {
    return differential ? `${this.p}${fqdn}/data` : `${this.p}${fqdn}/${backup}/data`;
  }

  /** The differential pool of a node, with trailing slash, for listings. */
  pool(fqdn: string): string {
    return `${this.p}${fqdn}/data/`;
  }

  /** Everything of one node backup (meta and full-mode data), with trailing slash. */
  backupFolder(fqdn: string, backup: string): string {
    return `${this.p}${fqdn}/${backup}/`;
  }

  indexRoot(): string {
    return `${this.p}index/backup_index`;
  }

  index(backup: string, file: string): string {
    return `${this.p}index/backup_index/${backup}/${file}`;
  }

  latest(fqdn: string, file: 'tokenmap.json' | 'backup_name.txt'): string {
    return `${this.p}index/latest_backup/${fqdn}/${file}`;
  }
}

// The agent refuses exactly what the webhook refuses: the rules have one owner.
export { validateBackupName, validateFqdn } from '../../lib/storage/repository/names.js';
