import type { TokenMap } from '../cassandra/cql.js';

// JSON exactly as cassandra-medusa's json.dumps writes it (", " and ": " separators, non-ASCII
// escaped, no trailing newline), with Murmur3 tokens kept as 64-bit integers, never JS numbers.

/** A JSON integer written verbatim (tokens as decimal strings). */
export class JsonInteger {
  constructor(readonly digits: string) {
    if (!/^-?\d+$/.test(digits)) throw new Error(`'${digits}' is not an integer`);
  }
}

function quote(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof JsonInteger) return value.digits;
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('JSON cannot hold non-finite numbers');
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${quote(k)}: ${pythonJson(v)}`).join(', ')}}`;
}

/** tokenmap.json text; tokens are written as integers. */
export function formatTokenMap(map: TokenMap): string {
  const out: Record<string, unknown> = {};
  for (const [host, entry] of Object.entries(map)) {
    out[host] = {
      tokens: entry.tokens.map((token) => new JsonInteger(token)),
      is_up: entry.is_up,
      rack: entry.rack,
      dc: entry.dc,
    };
  }
  return pythonJson(out);
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/**
 * Parses tokenmap.json without losing token precision: integers come back as decimal strings.
 * Accepts old files (a scalar token, no rack/dc).
 */
export function parseTokenMap(text: string): TokenMap {
  const reviver: Reviver = (_key, value, context) =>
    typeof value === 'number' && context?.source !== undefined ? context.source : value;
  const raw = JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]) as Record<
    string,
    Record<string, unknown>
  >;
  const map: TokenMap = {};
  for (const [host, entry] of Object.entries(raw)) {
    const tokens = Array.isArray(entry.tokens) ? entry.tokens : [entry.tokens];
    map[host] = {
      tokens: tokens.map(String),
      is_up: Boolean(entry.is_up),
      rack: typeof entry.rack === 'string' ? entry.rack : '',
      dc: typeof entry.dc === 'string' ? entry.dc : '',
    };
  }
  return map;
}

/** One object of a manifest section. */
export interface ManifestObject {
  path: string;
  MD5: string | null;
  size: number;
}

export interface ManifestSection {
  keyspace: string;
  columnfamily: string;
  objects: ManifestObject[];
}

export function formatManifest(sections: readonly ManifestSection[]): string {
  return pythonJson(
    sections.map((s) => ({
      keyspace: s.keyspace,
      columnfamily: s.columnfamily,
      objects: s.objects.map((o) => ({ path: o.path, MD5: o.MD5, size: o.size })),
    })),
  );
}

/** Parses manifest.json (sizes may be numeric strings in old files). */
export function parseManifest(text: string): ManifestSection[] {
  const raw = JSON.parse(text) as {
    keyspace: string;
    columnfamily: string;
    objects: Record<string, unknown>[];
  }[];
  return raw.map((section) => ({
    keyspace: section.keyspace,
    columnfamily: section.columnfamily,
    objects: (section.objects ?? []).map((o) => ({
      path: String(o.path),
      MD5: o.MD5 === null || o.MD5 === undefined ? null : String(o.MD5),
      size: Number(o.size),
    })),
  }));
}
