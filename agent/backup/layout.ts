import { INDEX_WORDS } from '../../lib/storage/repository/names.js';

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

/** Refuses backup names that Medusa's index cannot hold or would misread. */
export function validateBackupName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(`backup name '${name}' may only contain letters, digits, '.', '_' and '-'`);
  }
  const word = INDEX_WORDS.find((w) => name.toLowerCase().includes(w));
  if (word) throw new Error(`backup name '${name}' contains '${word}', which Medusa's index reader misreads`);
}

/** Refuses node names (fqdn) that break Medusa's key parsing. */
export function validateFqdn(fqdn: string): void {
  if (fqdn === '' || fqdn.includes('/'))
    throw new Error(`node name '${fqdn}' must be non-empty and contain no '/'`);
  const bad = ['.json', '.cql', '.txt', '.timestamp'].find((s) => fqdn.includes(s));
  if (bad) throw new Error(`node name '${fqdn}' contains '${bad}', which Medusa's index reader strips`);
}
