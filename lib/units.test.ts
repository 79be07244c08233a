import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatDuration,
  humanizeBytes,
  parseBandwidth,
  parseHumanBytes,
  parseSize,
} from './units.js';

describe('sizes', () => {
  it('parses the size spellings Medusa and Kubernetes users write', () => {
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('100MB')).toBe(100 * 1024 ** 2);
    expect(parseSize('64 MiB')).toBe(64 * 1024 ** 2);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('512k')).toBe(512 * 1024);
  });
  it('refuses what is not a size, quoting it', () => {
    expect(() => parseSize('lots')).toThrow(/'lots' is not a size/);
    expect(() => parseSize('-5MB')).toThrow(/not a size/);
    expect(() => parseSize('5XB')).toThrow(/not a size/);
  });
  it('parses bandwidths per second', () => {
    expect(parseBandwidth('50MB/s')).toBe(50 * 1024 ** 2);
    expect(parseBandwidth('1 GiB / s')).toBe(1024 ** 3);
    expect(() => parseBandwidth('50MB')).toThrow(/not a bandwidth/);
  });
  it('humanizes bytes exactly as k8ssandra-operator does', () => {
    expect(humanizeBytes(0)).toBe('0.00 B');
    expect(humanizeBytes(1023)).toBe('1023.00 B');
    expect(humanizeBytes(247409)).toBe('241.61 KB');
    expect(humanizeBytes(5 * 1024 ** 3)).toBe('5.00 GB');
    expect(parseHumanBytes('241.61 KB')).toBe(Math.round(241.61 * 1024));
  });
});

describe('ages and durations', () => {
  it('prints ages like kubectl', () => {
    expect(formatAge(5_000)).toBe('5s');
    expect(formatAge(150_000)).toBe('2m30s');
    expect(formatAge(45 * 60_000)).toBe('45m');
    expect(formatAge(3.5 * 3600_000)).toBe('3h30m');
    expect(formatAge(30 * 3600_000)).toBe('30h');
    expect(formatAge(3 * 86400_000 + 4 * 3600_000)).toBe('3d4h');
    expect(formatAge(100 * 86400_000)).toBe('100d');
  });
  it('prints durations for progress lines', () => {
    expect(formatDuration(4_400)).toBe('4s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
  });
});
