import type { Catalog, NodeBackupEntry } from '../catalog/catalog.js';
import { checkableContentHash } from '../../lib/storage/hashing.js';
import type { Manifest, ManifestObject } from '../../lib/storage/repository/manifest.js';

// The checksum each object of a node backup must have. A manifest entry carries its own, except
// where the provider gave none: cassandra-medusa writes `"MD5": null` for every pool object a
// differential backup reuses on local storage. Such an object was uploaded by an earlier backup of
// the same node, whose manifest lists the same key with the MD5 computed while it was copied from
// the node: that checksum is the one its bytes must still have.

/** How the content of one object can be checked. */
export interface RecordedChecksum {
  /** The hash to check against (undefined: none usable anywhere, only the size can be checked). */
  hash?: string;
  /** Where it comes from: this manifest, or the named backup of the same node. */
  from?: string;
}

/** The checksums of a manifest's objects, by object key. */
export type RecordedChecksums = Map<string, RecordedChecksum>;

const usable = (object: ManifestObject, partSize: number): string | undefined =>
  checkableContentHash({ size: object.size, hash: object.MD5, partSize }) === undefined
    ? undefined
    : (object.MD5 ?? undefined);

/**
 * For every object: its own checksum, else the one another finished backup of the node recorded
 * for the same key and size — the closest earlier backup first (the one that uploaded it), then
 * later ones. Manifests of other backups are read only when an object needs them; one that cannot
 * be read or does not validate is passed over.
 */
export async function recordedChecksums(
  catalog: Catalog,
  node: Pick<NodeBackupEntry, 'name' | 'fqdn'> & { started?: number },
  manifest: Manifest,
  partSize: number,
): Promise<RecordedChecksums> {
  const checksums: RecordedChecksums = new Map();
  const missing = new Map<string, number>();
  for (const object of manifest.flatMap((section) => section.objects)) {
    const own = usable(object, partSize);
    if (own !== undefined) checksums.set(object.path, { hash: own, from: node.name });
    else {
      checksums.set(object.path, {});
      missing.set(object.path, object.size);
    }
  }
  if (missing.size === 0) return checksums;
  const backups = await catalog.nodeBackups(node.fqdn);
  // Not in the index (a node backup read by its meta files only): every other backup is earlier.
  const started = node.started ?? backups.find((b) => b.name === node.name)?.started ?? Infinity;
  const others = backups.filter((other) => other.name !== node.name && other.finished !== undefined);
  const earlier = others.filter((o) => o.started <= started).sort((a, b) => b.started - a.started);
  const later = others.filter((o) => o.started > started).sort((a, b) => a.started - b.started);
  for (const other of [...earlier, ...later]) {
    if (missing.size === 0) break;
    const sections = await catalog.manifestOf(other).catch(() => undefined);
    for (const object of sections?.flatMap((section) => section.objects) ?? []) {
      if (missing.get(object.path) !== object.size) continue;
      const hash = usable(object, partSize);
      if (hash === undefined) continue;
      checksums.set(object.path, { hash, from: other.name });
      missing.delete(object.path);
    }
  }
  return checksums;
}
