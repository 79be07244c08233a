import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { findSnapshotDirectories } from '../cassandra/snapshot-dirs.js';

/** One file of a table snapshot, named as Medusa names it in storage. */
export interface SnapshotFile {
  /**
   * Path below the table directory as it appears in object keys: the file name, or
   * `<.index dir>/<file>` for secondary-index files (and `<...nodes>/<file>` for DSE).
   */
  relativePath: string;
  absolutePath: string;
  size: number;
}

/** One table's snapshot: a manifest section. */
export interface SnapshotTable {
  keyspace: string;
  /** On-disk table directory, `<table>-<32 hex id>` (Medusa's `columnfamily`). */
  tableDir: string;
  table: string;
  path: string;
  files: SnapshotFile[];
}

/** Keyspace/table selection: `ks` names keyspaces, `ks.table` names tables. Empty include = everything. */
export interface TableFilter {
  include?: readonly string[];
  exclude?: readonly string[];
}

/** Never backed up, as in Medusa. */
const excludedKeyspaces = new Set(['system_traces']);
/** Files Cassandra writes into snapshot directories that Medusa neither uploads nor lists. */
const excludedFiles = new Set(['manifest.json', 'schema.cql']);

/** The table name of a table directory (`orders-3a5a...` -> `orders`). */
export function tableNameOf(tableDir: string): string {
  return tableDir.replace(/-[0-9a-f]{32}$/, '');
}

// "ks", "ks.*" (every table of ks, as the CRD admits it) or "ks.table".
function matches(patterns: readonly string[], keyspace: string, table: string): boolean {
  return patterns.some(
    (pattern) => pattern === keyspace || pattern === `${keyspace}.*` || pattern === `${keyspace}.${table}`,
  );
}

/** Whether a table passes the filter (excludes win over includes). */
export function selected(filter: TableFilter, keyspace: string, table: string): boolean {
  if (filter.exclude && matches(filter.exclude, keyspace, table)) return false;
  if (filter.include?.length) return matches(filter.include, keyspace, table);
  return true;
}

// Medusa keeps only the immediate parent of a nested file, and only when it is a 2i (`.x`) or DSE
// (`...nodes`) directory; other nesting flattens to the file name.
function keyPath(relativeDir: string, name: string): string {
  if (relativeDir === '') return name;
  const parent = relativeDir.split('/').at(-1)!;
  return parent.startsWith('.') || parent.endsWith('nodes') ? `${parent}/${name}` : name;
}

async function walk(root: string, relativeDir: string, files: SnapshotFile[]): Promise<void> {
  const dir = relativeDir ? join(root, relativeDir) : root;
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(root, relative, files);
    else if (entry.isFile() && !excludedFiles.has(entry.name)) {
      const absolutePath = join(dir, entry.name);
      files.push({
        relativePath: keyPath(relativeDir, entry.name),
        absolutePath,
        size: (await stat(absolutePath)).size,
      });
    }
  }
}

/**
 * The tables and files of snapshot `tag` in the data directory, system_traces left out, secondary
 * index directories included, filtered by keyspace/table. Tables are sorted by keyspace and directory.
 */
export async function discoverSnapshotFiles(
  dataDirectory: string,
  tag: string,
  filter: TableFilter = {},
): Promise<SnapshotTable[]> {
  const tables: SnapshotTable[] = [];
  for (const dir of await findSnapshotDirectories(dataDirectory, tag)) {
    const table = tableNameOf(dir.tableDir);
    if (excludedKeyspaces.has(dir.keyspace) || !selected(filter, dir.keyspace, table)) continue;
    const files: SnapshotFile[] = [];
    await walk(dir.path, '', files);
    tables.push({ keyspace: dir.keyspace, tableDir: dir.tableDir, table, path: dir.path, files });
  }
  return tables;
}

export function totalsOf(tables: readonly SnapshotTable[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const table of tables) {
    files += table.files.length;
    for (const file of table.files) bytes += file.size;
  }
  return { files, bytes };
}
