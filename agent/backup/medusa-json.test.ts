import { describe, expect, it } from 'vitest';
import { validateBackupName, validateFqdn, MedusaLayout } from './layout.js';
import { formatTokenMap, parseTokenMap } from './medusa-json.js';

describe("Medusa's JSON", () => {
  it("writes Python json.dumps' separators and escapes, and keeps 64-bit tokens exact", () => {
    const text = formatTokenMap({
      'node1.example.com': {
        tokens: ['-9223372036854775808', '3074457345618258602'],
        is_up: true,
        rack: 'r1',
        dc: 'dc1',
      },
    });
    expect(text).toBe(
      '{"node1.example.com": {"tokens": [-9223372036854775808, 3074457345618258602], "is_up": true, "rack": "r1", "dc": "dc1"}}',
    );
    expect(parseTokenMap(text)['node1.example.com']?.tokens).toEqual([
      '-9223372036854775808',
      '3074457345618258602',
    ]);
  });

  it('reads old token maps: a scalar token, no rack or dc', () => {
    expect(parseTokenMap('{"n1": {"tokens": -3074457345618258603, "is_up": false}}')).toEqual({
      n1: { tokens: ['-3074457345618258603'], is_up: false, rack: '', dc: '' },
    });
  });
});

describe('MedusaLayout', () => {
  it('builds the keys of the storage format, with and without a prefix', () => {
    const withPrefix = new MedusaLayout('clusterA');
    expect(withPrefix.meta('n1', 'b', 'schema.cql')).toBe('clusterA/n1/b/meta/schema.cql');
    expect(withPrefix.dataRoot('n1', 'b', false)).toBe('clusterA/n1/b/data');
    expect(withPrefix.dataRoot('n1', 'b', true)).toBe('clusterA/n1/data');
    expect(withPrefix.index('b', 'started_n1_17.timestamp')).toBe(
      'clusterA/index/backup_index/b/started_n1_17.timestamp',
    );
    expect(withPrefix.latest('n1', 'backup_name.txt')).toBe(
      'clusterA/index/latest_backup/n1/backup_name.txt',
    );
    expect(new MedusaLayout(undefined).meta('n1', 'b', 'manifest.json')).toBe('n1/b/meta/manifest.json');
  });

  it("refuses names Medusa's index reader cannot hold", () => {
    expect(() => validateBackupName('nightly-2026')).not.toThrow();
    expect(() => validateBackupName('a/b')).toThrow("may only contain letters, digits, '.', '_' and '-'");
    expect(() => validateBackupName('differential-x')).toThrow("contains 'differential'");
    expect(() => validateFqdn('host.json.example')).toThrow("contains '.json'");
    expect(() => validateFqdn('10.0.0.1')).not.toThrow();
  });
});
