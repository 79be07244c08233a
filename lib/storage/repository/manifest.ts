import { dumpsPython, parseExact, type PyJson } from './pyjson.js';

/** One uploaded (or reused) file: full object key including the prefix, provider hash, size. */
export interface ManifestObject {
  path: string;
  /** Provider-specific hash (see hashing.ts); null for local storage and reused pool entries. */
  MD5: string | null;
  size: number;
}

/** One snapshot table directory; secondary-index files live in their base table's section. */
export interface ManifestSection {
  keyspace: string;
  /** Table directory name including the `-<table id>` suffix. */
  columnfamily: string;
  objects: ManifestObject[];
}

export type Manifest = ManifestSection[];

export function parseManifest(text: string): Manifest {
  const parsed = parseExact(text);
  if (!Array.isArray(parsed)) throw new Error('manifest.json must hold an array of table sections');
  return parsed.map((raw: Record<string, unknown>) => {
    if (
      typeof raw.keyspace !== 'string' ||
      typeof raw.columnfamily !== 'string' ||
      !Array.isArray(raw.objects)
    ) {
      throw new Error('manifest.json: every section needs keyspace, columnfamily and objects');
    }
    return {
      keyspace: raw.keyspace,
      columnfamily: raw.columnfamily,
      objects: raw.objects.map((o: Record<string, unknown>) => {
        // Python readers tolerate sizes written as numeric strings.
        const size = typeof o.size === 'string' ? Number(o.size) : Number(o.size);
        if (typeof o.path !== 'string' || !Number.isSafeInteger(size)) {
          throw new Error(`manifest.json: bad object entry ${JSON.stringify(o)}`);
        }
        return { path: o.path, MD5: typeof o.MD5 === 'string' ? o.MD5 : null, size };
      }),
    };
  });
}

/** manifest.json exactly as Medusa writes it (key order path, MD5, size). */
export function serializeManifest(manifest: Manifest): string {
  const value: PyJson = manifest.map((section) => ({
    keyspace: section.keyspace,
    columnfamily: section.columnfamily,
    objects: section.objects.map((o) => ({ path: o.path, MD5: o.MD5, size: o.size })),
  }));
  return dumpsPython(value);
}

export function manifestTotals(manifest: Manifest): { size: number; objects: number } {
  let size = 0;
  let objects = 0;
  for (const section of manifest) {
    for (const object of section.objects) {
      size += object.size;
      objects += 1;
    }
  }
  return { size, objects };
}

/** Medusa's server_version.json. */
export interface ServerVersion {
  server_type: string;
  release_version: string;
}

export function serializeServerVersion(version: ServerVersion): string {
  return dumpsPython({ server_type: version.server_type, release_version: version.release_version });
}
