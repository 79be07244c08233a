import { describe, expect, it } from 'vitest';
import { dumpsPython, parseExact } from './pyjson.js';

describe('dumpsPython', () => {
  it("writes json.dumps' default separators and ASCII escapes", () => {
    expect(dumpsPython({ a: [1, 2], b: { c: null, d: true } })).toBe(
      '{"a": [1, 2], "b": {"c": null, "d": true}}',
    );
    expect(dumpsPython('héllo €')).toBe('"h\\u00e9llo \\u20ac"');
    expect(dumpsPython([])).toBe('[]');
    expect(dumpsPython({ s: 'café\n', n: null })).toBe('{"s": "caf\\u00e9\\n", "n": null}');
  });

  it('writes 64-bit tokens exactly', () => {
    expect(dumpsPython([-9223372036854775808n, 9223372036854775807n])).toBe(
      '[-9223372036854775808, 9223372036854775807]',
    );
  });
});

describe('parseExact', () => {
  it('keeps integers beyond 2^53 exact as bigint and small ones as numbers', () => {
    const parsed = parseExact('{"t": [-9223372036854775807, -3074457345618258603, 42], "x": 1.5}') as {
      t: (bigint | number)[];
      x: number;
    };
    expect(parsed.t).toEqual([-9223372036854775807n, -3074457345618258603n, 42]);
    expect(parsed.x).toBe(1.5);
    // What plain JSON.parse would have done: a different token.
    expect(BigInt(JSON.parse('-3074457345618258603') as number)).not.toBe(-3074457345618258603n);
  });
});
