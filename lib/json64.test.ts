import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, tokenText } from './json64.js';

describe('64-bit JSON', () => {
  it('round-trips Murmur3 tokens at the ends of the int64 range exactly', () => {
    const text = '{"tokens":[-9223372036854775808,-3074457345618258603,9223372036854775807,42]}';
    const parsed = parseJson(text) as { tokens: (bigint | number)[] };
    expect(parsed.tokens).toEqual([-9223372036854775808n, -3074457345618258603n, 9223372036854775807n, 42]);
    expect(stringifyJson(parsed)).toBe(text);
    // What plain JSON does to the same text, which this module exists to avoid:
    expect(JSON.stringify(JSON.parse(text))).not.toBe(text);
  });
  it('prints tokens as text', () => {
    expect(tokenText(-3074457345618258603n)).toBe('-3074457345618258603');
    expect(tokenText(42)).toBe('42');
  });
});
