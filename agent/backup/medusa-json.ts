import type { TokenMap } from '../cassandra/cql.js';
import {
  parseTokenMap as parseExactTokenMap,
  serializeTokenMap,
} from '../../lib/storage/repository/tokenmap.js';

// Medusa's JSON files are read and written by lib/storage/repository (byte-identical to Python's
// json.dumps, 64-bit tokens exact). This module only converts tokenmap.json to and from the agent's
// shape, where tokens are decimal strings as CQL returns them.

function tokenValue(token: string): bigint {
  if (!/^-?\d+$/.test(token)) throw new Error(`'${token}' is not an integer`);
  return BigInt(token);
}

/** tokenmap.json text; tokens are written as integers. */
export function formatTokenMap(map: TokenMap): string {
  return serializeTokenMap(
    new Map(
      Object.entries(map).map(([host, entry]) => [
        host,
        { tokens: entry.tokens.map(tokenValue), isUp: entry.is_up, rack: entry.rack, dc: entry.dc },
      ]),
    ),
  );
}

/**
 * Parses tokenmap.json without losing token precision: integers come back as decimal strings.
 * Accepts old files (a scalar token, no rack/dc).
 */
export function parseTokenMap(text: string): TokenMap {
  const map: TokenMap = {};
  for (const [host, entry] of parseExactTokenMap(text)) {
    map[host] = { tokens: entry.tokens.map(String), is_up: entry.isUp, rack: entry.rack, dc: entry.dc };
  }
  return map;
}
