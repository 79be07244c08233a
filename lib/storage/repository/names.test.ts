import { describe, expect, it } from 'vitest';
import {
  InvalidNameError,
  MAX_NAME_LENGTH,
  assertNoPrefixCollision,
  kubernetesBackupNameProblem,
  prefixProblem,
  scheduleNameProblem,
  validateBackupName,
  validateExistingBackupName,
  validateFqdn,
  validatePrefix,
} from './names.js';

describe('backup names', () => {
  it('accepts ordinary names', () => {
    for (const name of ['202611221050', 'nightly-2026-11-22', 'weekly_1', 'b.1', 'A1']) {
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
      'tab\tname',
      'line\nbreak',
    ]) {
      expect(() => validateBackupName(name), name).toThrow(InvalidNameError);
    }
  });

  it('refuses a name that shares a prefix with another backup', () => {
    expect(() => assertNoPrefixCollision('b1', ['b10'])).toThrow(/share a prefix/);
    expect(() => assertNoPrefixCollision('b10', ['b1'])).toThrow(/share a prefix/);
    expect(() => assertNoPrefixCollision('b1', ['b2', 'b1'])).not.toThrow();
  });

  it('keeps its message on one line whatever the name holds', () => {
    expect(() => validateBackupName('a\nb')).toThrow(/^[^\n]+$/);
  });
});

// Each case below was admitted by one of the three former rule sets and refused by another.
describe('former disagreements between the webhook, the storage layer and the agent', () => {
  it("'@' (the storage layer allowed it, the agent refused it): refused everywhere", () => {
    expect(() => validateBackupName('nightly@1')).toThrow(/may only contain letters, digits/);
    expect(kubernetesBackupNameProblem('nightly@1')).toMatch(/may only contain letters, digits/);
    expect(prefixProblem('team@1')).toMatch(/may only contain letters, digits/);
  });

  it('spaces (the webhook allowed them inside a prefix): refused everywhere', () => {
    expect(prefixProblem('my prefix')).toMatch(/whitespace/);
    expect(() => validatePrefix('my prefix')).toThrow(/whitespace/);
    expect(() => validateBackupName('my backup')).toThrow(/whitespace/);
  });

  it(`length (200, 255 or none before): at most ${MAX_NAME_LENGTH} everywhere`, () => {
    const longest = 'a'.repeat(MAX_NAME_LENGTH);
    expect(validateBackupName(longest)).toBe(longest);
    expect(kubernetesBackupNameProblem(longest)).toBeUndefined();
    expect(() => validateBackupName(`${longest}a`)).toThrow(`at most ${MAX_NAME_LENGTH}`);
    expect(prefixProblem(`${longest}a`)).toMatch(`at most ${MAX_NAME_LENGTH}`);
    // medusa-<name> stays a valid snapshot directory name, and the name a label value.
    expect(`medusa-${longest}`.length).toBeLessThanOrEqual(255);
  });

  it('schema-nightly (the webhook admitted the job, the agent refused the name): refused', () => {
    expect(kubernetesBackupNameProblem('schema-nightly')).toMatch(/contains 'schema'/);
    expect(() => validateBackupName('schema-nightly')).toThrow(/contains 'schema'/);
  });

  it('index words in a prefix (the webhook admitted them): refused', () => {
    expect(prefixProblem('schemas')).toMatch(/contains 'schema'/);
  });

  it('Kubernetes object names must also be RFC 1123 subdomains', () => {
    expect(validateBackupName('Nightly_1')).toBe('Nightly_1');
    expect(kubernetesBackupNameProblem('Nightly_1')).toMatch(/Kubernetes object name/);
    expect(kubernetesBackupNameProblem('nightly-1.')).toMatch(/Kubernetes object name/);
  });

  it("a schedule's name must leave room for -<unix seconds> and give valid backup names", () => {
    expect(scheduleNameProblem('nightly')).toBeUndefined();
    expect(scheduleNameProblem('a'.repeat(MAX_NAME_LENGTH - 11))).toBeUndefined();
    expect(scheduleNameProblem('a'.repeat(MAX_NAME_LENGTH - 10))).toMatch(/at most 52/);
    expect(scheduleNameProblem('schema')).toMatch(/contains 'schema'/);
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
      'a'.repeat(254),
    ]) {
      expect(() => validateFqdn(fqdn), fqdn).toThrow(InvalidNameError);
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
    expect(() => validatePrefix('a/b')).toThrow(/may only contain/);
    expect(() => validatePrefix('..')).toThrow(/'\.' or '\.\.'/);
  });
});

describe('names of existing backups (delete-backup)', () => {
  it('accepts what cassandra-medusa may have written, though a new backup may not take it', () => {
    for (const name of ['nightly@2024-01-01', 'x'.repeat(120), 'a b']) {
      expect(() => validateBackupName(name)).toThrow(InvalidNameError);
      expect(validateExistingBackupName(name)).toBe(name);
    }
  });

  it('refuses what is not one folder of the bucket', () => {
    for (const name of ['', '.', '..', '../other', 'a/b', 'a\\b', 'a\nb'])
      expect(() => validateExistingBackupName(name)).toThrow(/not one folder/);
  });
});
