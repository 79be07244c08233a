/**
 * JSON as cassandra-medusa reads and writes it. Python's json.dumps defaults (separators `", "`
 * and `": "`, non-ASCII escaped as \uXXXX) give byte-identical files; integers beyond 2^53 (Murmur3
 * tokens) are kept exact as bigint in both directions.
 */

export type PyJson = null | boolean | number | bigint | string | PyJson[] | { [key: string]: PyJson };

function pyString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function dumpsPython(value: PyJson): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot serialise ${value}`);
    return Number.isInteger(value) ? value.toFixed(0) : String(value);
  }
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(dumpsPython).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${pyString(key)}: ${dumpsPython(item)}`)
    .join(', ')}}`;
}

type ReviverWithSource = (
  this: unknown,
  key: string,
  value: unknown,
  context?: { source?: string },
) => unknown;

/**
 * JSON.parse that returns integers outside the safe range as bigint (from the source text, via
 * Node 22's JSON.parse source access), so a token like -9223372036854775807 is not rounded.
 */
export function parseExact(text: string): unknown {
  const reviver: ReviverWithSource = (_key, value, context) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined) {
      if (/^-?\d+$/.test(context.source)) return BigInt(context.source);
    }
    return value;
  };
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}
