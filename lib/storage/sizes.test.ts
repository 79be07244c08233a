import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from './sizes.js';

describe('parseSize', () => {
  it('reads Medusa size strings in powers of 1024', () => {
    expect(parseSize('50MB')).toBe(50 * 1024 * 1024);
    expect(parseSize('20MB')).toBe(20 * 1024 * 1024);
    expect(parseSize('50MB/s')).toBe(50 * 1024 * 1024);
    expect(parseSize('1024')).toBe(1024);
    expect(parseSize('2 kb')).toBe(2048);
    expect(parseSize('1GB')).toBe(1024 ** 3);
    expect(parseSize(4096)).toBe(4096);
  });

  it('rejects what it cannot read', () => {
    expect(() => parseSize('fast')).toThrow(/invalid size/);
    expect(() => parseSize('10XB')).toThrow(/invalid size/);
    expect(() => parseSize(-1)).toThrow(/invalid size/);
  });
});

describe('formatSize', () => {
  it('prints two decimals like medusa status', () => {
    expect(formatSize(512)).toBe('512.00 B');
    expect(formatSize(1536)).toBe('1.50 KB');
    expect(formatSize(5 * 1024 ** 3)).toBe('5.00 GB');
  });
});
