import { dumpsPython, parseExact, type PyJson } from './pyjson.js';

/** One host of a tokenmap.json: tokens are signed 64-bit Murmur3 values, kept exact as bigint. */
export interface TokenMapHost {
  tokens: bigint[];
  isUp: boolean;
  rack: string;
  dc: string;
}

/** Host id (the same string as the storage fqdn) to its tokens, in file order. */
export type TokenMap = Map<string, TokenMapHost>;

function toBigInt(value: unknown, host: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new Error(`tokenmap: host ${host} has a non-integer token ${String(value)}`);
}

/** Parses tokenmap.json; accepts old files with a single integer token and no rack/dc. */
export function parseTokenMap(text: string): TokenMap {
  const parsed = parseExact(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('tokenmap.json must hold an object keyed by host');
  }
  const map: TokenMap = new Map();
  for (const [host, raw] of Object.entries(parsed as Record<string, Record<string, unknown>>)) {
    const tokens = Array.isArray(raw.tokens) ? raw.tokens : [raw.tokens];
    map.set(host, {
      tokens: tokens.map((t) => toBigInt(t, host)),
      isUp: raw.is_up !== false,
      rack: typeof raw.rack === 'string' ? raw.rack : '',
      dc: typeof raw.dc === 'string' ? raw.dc : '',
    });
  }
  return map;
}

/** tokenmap.json exactly as Medusa writes it. */
export function serializeTokenMap(map: TokenMap): string {
  const out: Record<string, PyJson> = {};
  for (const [host, entry] of map) {
    out[host] = { tokens: entry.tokens, is_up: entry.isUp, rack: entry.rack, dc: entry.dc };
  }
  return dumpsPython(out);
}
