import { describe, expect, it } from 'vitest';
import { assertNoPrefixCollision, validateBackupName, validateFqdn, validatePrefix } from './names.js';

describe('backup names', () => {
  it('accepts ordinary names', () => {
    for (const name of ['202611221050', 'nightly-2026-11-22', 'weekly_1', 'b.1:x']) {
      expect(validateBackupName(name)).toBe(name);
    }
  });

  it("refuses names that escape their folder or trip Medusa's substring matching", () => {
    for (const name of [
      '',
      '.',
      '..',
      'a/b',
      '../x',
      'a\\b',
      'with space',
      'differential-1',
      'my-schema',
      'Manifest2',
      'restarted',
      'unfinished',
      '-x',
    ]) {
      expect(() => validateBackupName(name), name).toThrow();
    }
  });

  it('refuses a name that shares a prefix with another backup', () => {
    expect(() => assertNoPrefixCollision('b1', ['b10'])).toThrow(/share a prefix/);
    expect(() => assertNoPrefixCollision('b10', ['b1'])).toThrow(/share a prefix/);
    expect(() => assertNoPrefixCollision('b1', ['b2', 'b1'])).not.toThrow();
  });
});

describe('fqdns', () => {
  it('accepts host names, IPs and pod names', () => {
    for (const fqdn of ['127.0.0.4', 'node1.example.com', 'cluster1-dc1-default-sts-0', 'fe80::1']) {
      expect(validateFqdn(fqdn)).toBe(fqdn);
    }
  });

  it('refuses fqdns that Medusa would misparse from index file names', () => {
    for (const fqdn of [
      'a/b',
      'node.json.example',
      'x.txt',
      'host.cql',
      'h.timestamp',
      'tokenmap-host',
      '',
    ]) {
      expect(() => validateFqdn(fqdn), fqdn).toThrow();
    }
  });
});

describe('prefixes', () => {
  it('accepts none or a folder name of two characters or more', () => {
    expect(validatePrefix(undefined)).toBeUndefined();
    expect(validatePrefix('')).toBeUndefined();
    expect(validatePrefix('clusterA')).toBe('clusterA');
  });

  it('refuses one character and slashes', () => {
    expect(() => validatePrefix('a')).toThrow(/one character/);
    expect(() => validatePrefix('a/b')).toThrow(/'\/'/);
  });
});
