import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A table's snapshot directory: <data>/<keyspace>/<table dir>/snapshots/<tag>. */
export interface SnapshotDirectory {
  keyspace: string;
  /** On-disk table directory name, `<table>-<32 hex id>`. */
  tableDir: string;
  tag: string;
  path: string;
}

/**
 * Every table snapshot directory under the data directory (Medusa's `<data>/*\/*\/snapshots/<tag>`
 * glob), optionally for one tag. Jolokia cannot serialise StorageService.getSnapshotDetails, so
 * snapshots are listed from disk.
 */
export async function findSnapshotDirectories(dataDir: string, tag?: string): Promise<SnapshotDirectory[]> {
  const found: SnapshotDirectory[] = [];
  for (const keyspace of (await subdirectories(dataDir)).sort()) {
    for (const tableDir of (await subdirectories(join(dataDir, keyspace))).sort()) {
      const snapshots = join(dataDir, keyspace, tableDir, 'snapshots');
      for (const name of (await subdirectories(snapshots)).sort()) {
        if (tag === undefined || name === tag) {
          found.push({ keyspace, tableDir, tag: name, path: join(snapshots, name) });
        }
      }
    }
  }
  return found;
}
