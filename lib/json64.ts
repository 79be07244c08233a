// JSON that keeps 64-bit integers exact. Cassandra's Murmur3 tokens span the whole int64 range,
// beyond the 2^53 a JS number holds, so they travel as BigInt here and as bare JSON integers on
// the wire (as in k8ssandra's MedusaBackup status and Medusa's tokenmap.json).

/** Parses JSON; integers outside the safe range become BigInt, exactly as written. */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source
      ? BigInt(context.source)
      : value,
  );
}

/** Stringifies JSON; BigInt values are written as bare integers. */
export function stringifyJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) =>
      typeof v === 'bigint' ? (JSON as unknown as { rawJSON(s: string): unknown }).rawJSON(v.toString()) : v,
    indent,
  );
}

/** A token as text, whatever form it arrived in. */
export const tokenText = (token: number | bigint | string): string =>
  typeof token === 'number' ? BigInt(token).toString() : String(token);
