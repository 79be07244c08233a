import type { ObjectInfo } from '../driver.js';

/** What the index says about one node backup (one backup name on one fqdn). */
export interface IndexedNodeBackup {
  name: string;
  fqdn: string;
  /** Epoch seconds from `started_F_<epoch>.timestamp`. */
  started: number;
  /** Epoch seconds from `finished_F_<epoch>.timestamp`, when present. */
  finished?: number;
  differential: boolean;
  /** The index objects of this node backup, by kind. */
  keys: Partial<Record<IndexFileKind, string>>;
}

export type IndexFileKind = 'tokenmap' | 'schema' | 'manifest' | 'started' | 'finished' | 'differential';

interface ParsedIndexFile {
  name: string;
  fqdn: string;
  kind: IndexFileKind;
  epoch?: number;
}

const TIMESTAMP = /^(started|finished)_(.*)_([0-9]+)\.timestamp$/;
const OTHER = /^(tokenmap|schema|manifest|differential|incremental)_(.*)$/;

/**
 * Classifies one key under `P index/backup_index`, as medusa/storage/__init__.py does: exactly
 * `[P]index/backup_index/<B>/<file>`, the fqdn taken from the file name.
 */
export function parseIndexKey(key: string, prefix: string | undefined): ParsedIndexFile | undefined {
  const parts = key.split('/');
  const expected = prefix ? 5 : 4;
  if (parts.length !== expected) return undefined;
  const name = parts[expected - 2]!;
  const file = parts[expected - 1]!;
  const timestamp = TIMESTAMP.exec(file);
  if (timestamp) {
    return {
      name,
      fqdn: timestamp[2]!,
      kind: timestamp[1] as 'started' | 'finished',
      epoch: Number(timestamp[3]),
    };
  }
  const other = OTHER.exec(file);
  if (!other) return undefined;
  const fqdn = other[2]!.replace(/\.json|\.cql|\.txt|\.timestamp/g, '');
  const kind = other[1] === 'incremental' ? 'differential' : (other[1] as IndexFileKind);
  return { name, fqdn, kind };
}

/**
 * Node backups from an index listing: those with a tokenmap and a started entry (Medusa drops the
 * rest), sorted by started time then name.
 */
export function nodeBackupsFromIndex(
  objects: Iterable<ObjectInfo>,
  prefix: string | undefined,
): IndexedNodeBackup[] {
  interface Collected {
    name: string;
    fqdn: string;
    files: ParsedIndexFile[];
    keys: Map<IndexFileKind, string>;
  }
  const byNode = new Map<string, Collected>();
  for (const object of objects) {
    const parsed = parseIndexKey(object.key, prefix);
    if (!parsed) continue;
    const id = `${parsed.name}\u0000${parsed.fqdn}`;
    const entry: Collected = byNode.get(id) ?? {
      name: parsed.name,
      fqdn: parsed.fqdn,
      files: [],
      keys: new Map(),
    };
    entry.files.push(parsed);
    entry.keys.set(parsed.kind, object.key);
    byNode.set(id, entry);
  }
  const result: IndexedNodeBackup[] = [];
  for (const entry of byNode.values()) {
    const started = entry.files.find((f) => f.kind === 'started');
    if (!entry.keys.has('tokenmap') || started?.epoch === undefined) continue;
    const finished = entry.files.find((f) => f.kind === 'finished');
    result.push({
      name: entry.name,
      fqdn: entry.fqdn,
      started: started.epoch,
      ...(finished?.epoch !== undefined ? { finished: finished.epoch } : {}),
      differential: entry.keys.has('differential'),
      keys: Object.fromEntries(entry.keys) as IndexedNodeBackup['keys'],
    });
  }
  return result.sort((a, b) => a.started - b.started || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
