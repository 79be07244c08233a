import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One file of a Cassandra snapshot, placed the way Medusa places it in storage. */
export interface SnapshotFile {
  keyspace: string;
  /** Table directory name, with its `-<id>` suffix. */
  table: string;
  /** Secondary-index folder (`.<index>`) or DSE `nodes` folder the file sits in, if any. */
  indexDir?: string;
  name: string;
  path: string;
  size: number;
}

/** A snapshot table directory and its files; tables with no files still get a manifest section. */
export interface SnapshotTable {
  keyspace: string;
  table: string;
  files: SnapshotFile[];
}

const SKIPPED_FILES = new Set(['manifest.json', 'schema.cql']);
const SKIPPED_KEYSPACES = new Set(['system_traces']);

/**
 * The tables of snapshot `tag` under a data directory (`<data>/<ks>/<table>/snapshots/<tag>`),
 * as medusa/backup_node.py discovers them: every keyspace but system_traces, regular files only,
 * minus manifest.json and schema.cql.
 */
export async function snapshotTables(dataDir: string, tag: string): Promise<SnapshotTable[]> {
  const tables: SnapshotTable[] = [];
  for (const keyspace of await dirs(dataDir)) {
    if (SKIPPED_KEYSPACES.has(keyspace)) continue;
    for (const table of await dirs(join(dataDir, keyspace))) {
      const snapshot = join(dataDir, keyspace, table, 'snapshots', tag);
      if (!(await stat(snapshot).catch(() => undefined))?.isDirectory()) continue;
      const files: SnapshotFile[] = [];
      for (const entry of await readdir(snapshot, { withFileTypes: true })) {
        const path = join(snapshot, entry.name);
        if (entry.isFile() && !SKIPPED_FILES.has(entry.name)) {
          files.push({ keyspace, table, name: entry.name, path, size: (await stat(path)).size });
        } else if (entry.isDirectory()) {
          for (const inner of await readdir(path, { withFileTypes: true })) {
            if (!inner.isFile() || SKIPPED_FILES.has(inner.name)) continue;
            const innerPath = join(path, inner.name);
            // Medusa keeps the sub-folder only for 2i (`.name`) and DSE (`*nodes`) folders.
            const keep = entry.name.startsWith('.') || entry.name.endsWith('nodes');
            files.push({
              keyspace,
              table,
              ...(keep ? { indexDir: entry.name } : {}),
              name: inner.name,
              path: innerPath,
              size: (await stat(innerPath)).size,
            });
          }
        }
      }
      tables.push({ keyspace, table, files });
    }
  }
  return tables;
}

async function dirs(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
