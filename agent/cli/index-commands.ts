// cassandra-medusa's index and read commands: build-index (medusa/index.py), get-last-complete-cluster-backup
// (medusa/report_latest.py) and fetch-tokenmap (medusa/fetch_tokenmap.py), with Medusa's output.
import type { ClusterBackupEntry } from '../catalog/catalog.js';
import type { StoredObject } from '../storage/object-store.js';
import type { NodeContext } from './context.js';
import { CommandFailed } from './node-commands.js';

const epochOf = (object: StoredObject) => Math.floor(object.lastModified.getTime() / 1000);

/** The complete cluster backup that finished last (Medusa's latest_complete_cluster_backup). */
export function latestComplete(backups: ClusterBackupEntry[]): ClusterBackupEntry | undefined {
  let latest: ClusterBackupEntry | undefined;
  for (const backup of backups)
    if (backup.complete && backup.finished !== undefined && (!latest || backup.finished >= latest.finished!))
      latest = backup;
  return latest;
}

/** `get-last-complete-cluster-backup`: the name, or Medusa's sentence; exit 0 either way. */
export async function lastCompleteClusterBackup(ctx: NodeContext): Promise<string> {
  const backup = latestComplete(await ctx.catalog().clusterBackups());
  return backup ? backup.name : 'Could not find any full backup for the cluster';
}

/** `fetch-tokenmap`: each host, then its tokens as Python prints a list of ints. */
export async function fetchTokenmap(ctx: NodeContext, backupName: string): Promise<string> {
  const backup = await ctx.catalog().clusterBackup(backupName);
  if (!backup) throw new CommandFailed('No such backup');
  return Object.entries(backup.tokenMap)
    .flatMap(([host, entry]) => [host, `[${entry.tokens.join(', ')}]`])
    .join('\n');
}

export interface IndexedBackup {
  fqdn: string;
  name: string;
  keys: string[];
}

/**
 * `build-index`: for every node of the ring (CQL tokenmap, as Medusa), every finished node backup
 * found in its folder (meta/schema.cql and meta/manifest.json) gets its index entries, dated from
 * those two objects' last-modified; each node's latest_backup points at its last finished one.
 * Unlike Medusa, the storage prefix is honoured when discovering the node folders.
 */
export async function buildIndex(ctx: NodeContext, noop: boolean): Promise<IndexedBackup[]> {
  const catalog = ctx.catalog();
  const { store, layout } = catalog;
  const fqdns = Object.keys(await (await ctx.cql()).tokenMap());
  const indexed: IndexedBackup[] = [];
  for (const fqdn of fqdns) {
    const base = `${layout.nodeBase(fqdn)}/`;
    const names = new Set<string>();
    for (const object of await store.list(base)) {
      const [name, meta, file] = object.key.slice(base.length).split('/');
      if (name && name !== 'data' && meta === 'meta' && file === 'schema.cql') names.add(name);
    }
    let latest: { name: string; finished: number; tokenmap: Buffer } | undefined;
    for (const name of [...names].sort()) {
      const schemaObject = await store.head(layout.meta(fqdn, name, 'schema.cql'));
      const manifestObject = await store.head(layout.meta(fqdn, name, 'manifest.json'));
      if (!schemaObject || !manifestObject) continue; // unfinished: Medusa skips it too
      const started = epochOf(schemaObject);
      const finished = epochOf(manifestObject);
      const differential = (await store.head(layout.meta(fqdn, name, 'differential'))) !== undefined;
      const entries: [string, () => Promise<Buffer | string>][] = [
        [
          layout.index(name, `tokenmap_${fqdn}.json`),
          () => store.readBytes(layout.meta(fqdn, name, 'tokenmap.json')),
        ],
        [layout.index(name, `schema_${fqdn}.cql`), () => store.readBytes(schemaObject.key)],
        [layout.index(name, `started_${fqdn}_${started}.timestamp`), async () => String(started)],
        ...(differential
          ? [
              [layout.index(name, `differential_${fqdn}`), async () => 'differential'] as [
                string,
                () => Promise<string>,
              ],
            ]
          : []),
        [layout.index(name, `manifest_${fqdn}.json`), () => store.readBytes(manifestObject.key)],
        [layout.index(name, `finished_${fqdn}_${finished}.timestamp`), async () => String(finished)],
      ];
      if (!noop) for (const [key, body] of entries) await store.putBytes(key, await body());
      indexed.push({ fqdn, name, keys: entries.map(([key]) => key) });
      if (!latest || finished >= latest.finished)
        latest = {
          name,
          finished,
          tokenmap: await store.readBytes(layout.meta(fqdn, name, 'tokenmap.json')),
        };
    }
    if (latest && !noop) {
      await store.putBytes(layout.latest(fqdn, 'tokenmap.json'), latest.tokenmap);
      await store.putBytes(layout.latest(fqdn, 'backup_name.txt'), latest.name);
    }
  }
  return indexed;
}
