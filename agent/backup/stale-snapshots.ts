import type { CassandraControl } from '../cassandra/control.js';

/** Medusa's snapshot tag for a backup. */
export function snapshotTag(backupName: string): string {
  return `medusa-${backupName}`;
}

/**
 * Clears every `medusa-*` snapshot except `keep`: leftovers of runs that crashed before their
 * cleanup, which would otherwise pin deleted SSTables on disk forever. Call only while holding the
 * node's backup lock, so no other running backup's snapshot is taken away. Returns the cleared tags.
 */
export async function clearStaleSnapshots(control: CassandraControl, keep?: string): Promise<string[]> {
  const stale = (await control.listSnapshots()).filter((tag) => tag.startsWith('medusa-') && tag !== keep);
  for (const tag of stale) await control.clearSnapshot(tag);
  return stale;
}
