// Prepared restores (MedusaTask prepare_restore): the node backup staged and verified on the data
// volume while Cassandra runs, in `<staging root>/medusa-prepared-<restore key>`, beside the data
// directory (same filesystem, so the restore moves files with a rename). A marker written last says
// the folder is complete; staged data never used is removed after a stated time.
import { lstat, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { checkRestoreKey, preparedFolderPrefix, type RestoreFilter } from '../../lib/restore-contract.js';
import { assertInside } from './refused.js';

/** Staged data never used by a restore is removed this long after it was prepared (or last written). */
export const stagingTtlMs = 24 * 60 * 60 * 1000;

const markerName = '.prepared.json';

/** What a complete prepare staged: the restore it fits, and its size. */
export interface PreparedMarker {
  restoreKey: string;
  backup: string;
  /** The backed-up node whose files were staged. */
  fqdn: string;
  inPlace: boolean;
  filter?: RestoreFilter;
  files: number;
  bytes: number;
  preparedAt: string;
}

/** The restore a staging must fit to be used. */
export type PreparedFor = Pick<PreparedMarker, 'backup' | 'fqdn' | 'inPlace' | 'filter'>;

/** The staging folder of a restore key (validated: one safe folder name) inside the staging root. */
export function preparedDir(root: string, restoreKey: string): string {
  const key = checkRestoreKey(restoreKey);
  return assertInside(root, join(root, `${preparedFolderPrefix}${key}`), 'prepared staging folder');
}

/** The marker of a complete prepare in that folder, or undefined (none yet, or unreadable). */
export async function readPrepared(dir: string): Promise<PreparedMarker | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(dir, markerName), 'utf8')) as PreparedMarker;
    const ok =
      typeof marker.restoreKey === 'string' &&
      typeof marker.backup === 'string' &&
      typeof marker.fqdn === 'string' &&
      typeof marker.inPlace === 'boolean' &&
      Number.isInteger(marker.files) &&
      Number.isInteger(marker.bytes) &&
      typeof marker.preparedAt === 'string';
    return ok ? marker : undefined;
  } catch {
    return undefined;
  }
}

/** Says the folder is complete: written only after every file was verified, atomically. */
export async function markPrepared(dir: string, marker: PreparedMarker): Promise<void> {
  const temporary = join(dir, `${markerName}.tmp`);
  await writeFile(temporary, JSON.stringify(marker));
  await rename(temporary, join(dir, markerName));
}

/** Whether a complete staging holds what a restore needs (same backup, node, kind and filter). */
export function stagedFits(marker: PreparedMarker | undefined, want: PreparedFor): boolean {
  if (!marker) return false;
  const filter = (f: RestoreFilter | undefined) =>
    JSON.stringify({ include: [...(f?.include ?? [])].sort(), exclude: [...(f?.exclude ?? [])].sort() });
  return (
    marker.backup === want.backup &&
    marker.fqdn === want.fqdn &&
    marker.inPlace === want.inPlace &&
    filter(marker.filter) === filter(want.filter)
  );
}

/**
 * Removes the prepared stagings in `root` older than ttlMs (from the marker's preparedAt, or for an
 * incomplete one from its folder's last change), and at once those of the keys in `ended` (their
 * restore job finished: nothing will use them), except those of the keys in `keep` (a restore or
 * prepare still going on). Resolves with the removed folder names.
 */
export async function expireStagings(
  root: string,
  o: {
    keep: ReadonlySet<string>;
    ended?: ReadonlySet<string>;
    now?: Date;
    ttlMs?: number;
    log?: Logger;
  },
): Promise<string[]> {
  const now = (o.now ?? new Date()).getTime();
  const ttl = o.ttlMs ?? stagingTtlMs;
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(preparedFolderPrefix)) continue;
    const key = name.slice(preparedFolderPrefix.length);
    if (o.keep.has(key)) continue;
    const dir = assertInside(root, join(root, name), 'prepared staging folder');
    const info = await lstat(dir).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    const marker = await readPrepared(dir);
    const since = marker ? Date.parse(marker.preparedAt) : info.mtimeMs;
    const expired = now - (Number.isNaN(since) ? info.mtimeMs : since) > ttl;
    if (!expired && !o.ended?.has(key)) continue;
    await rm(dir, { recursive: true, force: true });
    o.log?.info('removed a prepared restore never used', { folder: name, preparedAt: marker?.preparedAt });
    removed.push(name);
  }
  return removed;
}
