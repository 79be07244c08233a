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

/** A manifest that cannot be trusted as a description of a node's data: named file, section, reason. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

// What a manifest may name. Every name here becomes a directory or file below the data directory on
// restore, so anything else (`..`, `/`, absolute paths) is refused before any file operation.
// Cassandra's names are `\w+` (SchemaConstants.PATTERN_WORD_CHARS): keyspaces at most 48 characters,
// tables at most 222 (255, the file-name limit, minus the `-<32 hex id>` suffix of their directory).
const KEYSPACE = /^\w{1,48}$/;
/**
 * `<table>-<hex table id>` (32 digits since Cassandra 2.1; shorter ones are taken too, being just as
 * safe as a directory name), or the bare table name of very old Cassandra versions and DSE.
 */
const TABLE_DIRECTORY = /^\w{1,222}(-[0-9a-f]{1,32})?$/;
/** A secondary-index directory inside a table directory (`.<index>`), or DSE's `*nodes` folders. */
const INDEX_DIRECTORY = /^(\.\w{1,222}|\w*nodes)$/;
/** A file name: no separators, no control characters, not `.` or `..`. */
// eslint-disable-next-line no-control-regex
const FILE_NAME = /^(?!\.{1,2}$)[^/\\\u0000-\u001f\u007f]{1,255}$/;
/** No file a provider stores can be larger: S3 and GCS objects end at 5 TiB. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 4;

/** The path of an object inside its table directory (`file` or `.index/file`), or why it has none. */
function relativeInTable(path: string, keyspace: string, columnfamily: string): string | { error: string } {
  if (path.startsWith('/')) return { error: 'is absolute' };
  const parts = path.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..'))
    return { error: "has an empty, '.' or '..' segment" };
  // `.../<keyspace>/<columnfamily>/<file>` or `.../<keyspace>/<columnfamily>/<index dir>/<file>`.
  for (const depth of [1, 2]) {
    const at = parts.length - depth - 2;
    if (at < 1 || parts[at] !== keyspace || parts[at + 1] !== columnfamily) continue;
    const inside = parts.slice(at + 2);
    if (!inside.every((part) => FILE_NAME.test(part))) return { error: 'has a name that is not a file name' };
    if (depth === 2 && !INDEX_DIRECTORY.test(inside[0]!))
      return { error: `has '${inside[0]}', which is not an index directory` };
    return inside.join('/');
  }
  return { error: `is not below ${keyspace}/${columnfamily}/` };
}

/** Python writes integers; readers also take numeric strings. Anything else, negative or absurd: undefined. */
function sizeOf(value: unknown): number | undefined {
  const size = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 && size <= MAX_OBJECT_SIZE
    ? size
    : undefined;
}

const shown = (value: unknown): string => {
  const text = typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/**
 * Parses and validates manifest.json. `source` names the file in every error (its object key).
 * Refused: invalid JSON, anything but an array of sections, null sections, missing or mistyped
 * fields, keyspace and table directory names that are not Cassandra's, object keys that are
 * absolute, hold `..` or are not below `<keyspace>/<columnfamily>/`, negative, fractional or absurd
 * sizes, and two objects (or sections) that would land on the same file.
 */
export function parseManifest(text: string, source = 'manifest.json'): Manifest {
  let parsed: unknown;
  try {
    parsed = parseExact(text);
  } catch (error) {
    throw new ManifestError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new ManifestError(`${source}: must hold an array of table sections`);
  const tables = new Set<string>();
  return parsed.map((raw: unknown, index): ManifestSection => {
    const where = `${source}: section ${index + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ManifestError(`${where}: is ${shown(raw)}, not an object`);
    const section = raw as Record<string, unknown>;
    for (const field of ['keyspace', 'columnfamily', 'objects']) {
      if (!(field in section)) throw new ManifestError(`${where}: has no ${field}`);
    }
    const { keyspace, columnfamily, objects } = section;
    if (typeof keyspace !== 'string' || !KEYSPACE.test(keyspace))
      throw new ManifestError(`${where}: keyspace ${shown(keyspace)} is not a Cassandra keyspace name`);
    if (typeof columnfamily !== 'string' || !TABLE_DIRECTORY.test(columnfamily))
      throw new ManifestError(
        `${where}: columnfamily ${shown(columnfamily)} is not a Cassandra table directory name`,
      );
    if (!Array.isArray(objects))
      throw new ManifestError(`${where}: objects is ${shown(objects)}, not a list`);
    if (tables.has(`${keyspace}/${columnfamily}`))
      throw new ManifestError(`${where}: ${keyspace}/${columnfamily} has a section already`);
    tables.add(`${keyspace}/${columnfamily}`);
    const files = new Set<string>();
    return {
      keyspace,
      columnfamily,
      objects: objects.map((item: unknown, at): ManifestObject => {
        const place = `${where} (${keyspace}/${columnfamily}), object ${at + 1}`;
        if (typeof item !== 'object' || item === null || Array.isArray(item))
          throw new ManifestError(`${place}: is ${shown(item)}, not an object`);
        const object = item as Record<string, unknown>;
        for (const field of ['path', 'MD5', 'size']) {
          if (!(field in object)) throw new ManifestError(`${place}: has no ${field}`);
        }
        if (typeof object.path !== 'string') throw new ManifestError(`${place}: path ${shown(object.path)}`);
        const relative = relativeInTable(object.path, keyspace, columnfamily);
        if (typeof relative !== 'string')
          throw new ManifestError(`${place}: path '${object.path}' ${relative.error}`);
        if (files.has(relative))
          throw new ManifestError(`${place}: a second object for ${keyspace}/${columnfamily}/${relative}`);
        files.add(relative);
        if (object.MD5 !== null && typeof object.MD5 !== 'string')
          throw new ManifestError(`${place}: MD5 ${shown(object.MD5)} is neither a string nor null`);
        const size = sizeOf(object.size);
        if (size === undefined)
          throw new ManifestError(
            `${place}: size ${shown(object.size)} is not a byte count (a whole number from 0 to 5 TiB)`,
          );
        return { path: object.path, MD5: object.MD5, size };
      }),
    };
  });
}

/** The path of a (validated) manifest object inside its table directory: `file` or `.index/file`. */
export function pathInTable(section: ManifestSection, object: ManifestObject): string {
  const relative = relativeInTable(object.path, section.keyspace, section.columnfamily);
  if (typeof relative !== 'string')
    throw new ManifestError(`manifest object '${object.path}' ${relative.error}`);
  return relative;
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
