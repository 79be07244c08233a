import type { Catalog } from '../catalog/catalog.js';
import { checkableHash } from '../../lib/storage/hashing.js';

export interface VerifyResult {
  backupName: string;
  ok: boolean;
  /** One line per problem: missing, different or (full backups) unexpected objects, incomplete nodes. */
  errors: string[];
  warnings: string[];
  objectsChecked: number;
}

/**
 * Medusa's `verify`: the cluster backup must be complete; every manifest object must exist in storage
 * with its size (and hash, when md5 checks are on); full backups must hold nothing else.
 * Statistics.db files are skipped (Cassandra rewrites them); a different Summary.db only warns.
 */
export async function verifyBackup(
  catalog: Catalog,
  backupName: string,
  md5Checks = false,
): Promise<VerifyResult> {
  const result: VerifyResult = { backupName, ok: false, errors: [], warnings: [], objectsChecked: 0 };
  const backup = await catalog.clusterBackup(backupName);
  if (!backup) {
    result.errors.push(`backup ${backupName} does not exist`);
    return result;
  }
  for (const host of backup.incompleteNodes) result.errors.push(`node ${host} did not finish its backup`);
  for (const host of backup.missingNodes) result.errors.push(`node ${host} has no backup`);
  for (const node of backup.nodes.filter((n) => n.finished !== undefined)) {
    const root = node.differential
      ? catalog.layout.pool(node.fqdn)
      : `${catalog.layout.dataRoot(node.fqdn, node.name, false)}/`;
    const stored = await catalog.listing(root);
    const listed = new Set<string>();
    for (const section of await catalog.manifestOf(node)) {
      for (const object of section.objects) {
        listed.add(object.path);
        if (object.path.endsWith('-Statistics.db')) continue;
        result.objectsChecked++;
        const actual = stored.get(object.path);
        if (!actual) {
          result.errors.push(`${object.path}: missing from storage`);
          continue;
        }
        const sizeDiffers = actual.size !== object.size;
        const expected = checkableHash(object.MD5);
        const found = checkableHash(actual.hash);
        const hashDiffers = md5Checks && expected !== undefined && found !== undefined && expected !== found;
        if (sizeDiffers || hashDiffers) {
          const what = sizeDiffers
            ? `size ${actual.size}, manifest says ${object.size}`
            : 'hash differs from the manifest';
          if (object.path.endsWith('-Summary.db')) result.warnings.push(`${object.path}: ${what}`);
          else result.errors.push(`${object.path}: ${what}`);
        }
      }
    }
    if (!node.differential) {
      for (const key of stored.keys()) {
        if (!listed.has(key) && !key.endsWith('-Statistics.db'))
          result.errors.push(`${key}: in storage but not in the manifest`);
      }
    }
  }
  result.ok = result.errors.length === 0;
  return result;
}
