import type { Catalog } from '../catalog/catalog.js';
import {
  compareContent,
  ContentDigest,
  kindsToCheck,
  type ExpectedContent,
} from '../../lib/storage/hashing.js';
import type { ObjectStore } from '../storage/object-store.js';
import { mapLimited } from '../util/limit.js';
import { recordedChecksums } from './recorded-checksums.js';

export interface VerifyResult {
  backupName: string;
  ok: boolean;
  /** One line per problem: missing, different or (full backups) unexpected objects, incomplete nodes. */
  errors: string[];
  warnings: string[];
  objectsChecked: number;
  /** Objects whose bytes were read and matched a recorded checksum (md5 checks only). */
  contentsChecked: number;
}

export interface VerifyOptions {
  /** multipart_chunksize: the part size of S3 multipart ETags. */
  partSize?: number;
  /** Objects read at once with md5 checks (concurrent_transfers). */
  concurrency?: number;
}

/** The bytes of an object, hashed as they stream for the checksum `expected` can be checked with. */
async function digestOf(store: ObjectStore, key: string, expected: ExpectedContent) {
  const digest = new ContentDigest(expected.partSize, kindsToCheck(expected));
  for await (const chunk of await store.openRead(key)) digest.update(chunk as Buffer);
  return digest.digests();
}

/**
 * Medusa's `verify`: the cluster backup must be complete; every manifest object must exist in storage
 * with its size; full backups must hold nothing else. Statistics.db files are skipped (Cassandra
 * rewrites them); a different Summary.db only warns.
 *
 * With md5 checks every object's bytes are read from storage and compared with the checksum the
 * backup recorded when it uploaded the file (the manifest's MD5, or for a reused pool entry without
 * one, the one the backup that uploaded that object recorded) — never with a hash storage computes
 * from what it holds now. An object for which no backup recorded a usable checksum is named in a
 * warning: only its size was checked.
 */
export async function verifyBackup(
  catalog: Catalog,
  backupName: string,
  md5Checks = false,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const result: VerifyResult = {
    backupName,
    ok: false,
    errors: [],
    warnings: [],
    objectsChecked: 0,
    contentsChecked: 0,
  };
  const partSize = options.partSize ?? 50 * 1024 ** 2;
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
    let manifest;
    try {
      manifest = await catalog.manifestOf(node);
    } catch (error) {
      result.errors.push((error as Error).message);
      continue;
    }
    const checksums = md5Checks ? await recordedChecksums(catalog, node, manifest, partSize) : undefined;
    const toRead: { path: string; size: number; hash: string }[] = [];
    const problem = (path: string, what: string) => {
      if (path.endsWith('-Summary.db')) result.warnings.push(`${path}: ${what}`);
      else result.errors.push(`${path}: ${what}`);
    };
    for (const section of manifest) {
      for (const object of section.objects) {
        listed.add(object.path);
        if (object.path.endsWith('-Statistics.db')) continue;
        result.objectsChecked++;
        const actual = stored.get(object.path) ?? (await catalog.store.head(object.path));
        if (!actual) {
          result.errors.push(`${object.path}: missing from storage`);
          continue;
        }
        if (actual.size !== object.size) {
          problem(object.path, `size ${actual.size}, manifest says ${object.size}`);
          continue;
        }
        if (!checksums) continue;
        const hash = checksums.get(object.path)?.hash;
        if (hash === undefined)
          result.warnings.push(
            `${object.path}: no backup recorded a usable checksum, only its size was checked`,
          );
        else toRead.push({ path: object.path, size: object.size, hash });
      }
    }
    const findings = await mapLimited(toRead, options.concurrency ?? 4, async (object) => {
      try {
        const expected = { size: object.size, hash: object.hash, partSize };
        const comparison = compareContent(expected, await digestOf(catalog.store, object.path, expected));
        return comparison.verdict === 'mismatch' ? `content differs: ${comparison.reason}` : undefined;
      } catch (error) {
        return `could not be read (${(error as Error).message})`;
      }
    });
    toRead.forEach((object, i) => {
      if (findings[i] === undefined) result.contentsChecked++;
      else problem(object.path, findings[i]);
    });
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
