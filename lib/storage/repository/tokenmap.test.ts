import { describe, expect, it } from 'vitest';
import { parseTokenMap, serializeTokenMap } from './tokenmap.js';

describe('tokenmap.json', () => {
  it('round-trips byte-identical to what Medusa writes, tokens exact', () => {
    const text =
      '{"node1.example.com": {"tokens": [-9223372036854775808, -3074457345618258603], "is_up": true, "rack": "rack1", "dc": "dc1"}, ' +
      '"node2.example.com": {"tokens": [6148914691236517205], "is_up": false, "rack": "rack2", "dc": "dc1"}}';
    const map = parseTokenMap(text);
    expect(map.get('node1.example.com')?.tokens).toEqual([-9223372036854775808n, -3074457345618258603n]);
    expect(map.get('node2.example.com')?.isUp).toBe(false);
    expect([...map.keys()]).toEqual(['node1.example.com', 'node2.example.com']);
    expect(serializeTokenMap(map)).toBe(text);
  });

  it('reads old files: a single integer token, no rack or dc', () => {
    const map = parseTokenMap('{"127.0.0.1": {"tokens": -9223372036854775808, "is_up": true}}');
    expect(map.get('127.0.0.1')).toEqual({ tokens: [-9223372036854775808n], isUp: true, rack: '', dc: '' });
  });

  it('refuses a non-object', () => {
    expect(() => parseTokenMap('[]')).toThrow(/object keyed by host/);
    expect(() => parseTokenMap('{"h": {"tokens": ["x"]}}')).toThrow(/non-integer token/);
  });
});
