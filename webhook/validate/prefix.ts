import { hasControlCharacters } from './result.js';

// A bucket prefix: the top-level folder of one cluster's backups.

/** What is wrong with a prefix (empty list when it is fine). */
export function prefixProblems(prefix: string): string[] {
  const problems: string[] = [];
  if (prefix.trim() === '') return ['must not be empty'];
  if (prefix.length < 2) problems.push('must be more than one character');
  if (prefix.includes('/')) problems.push('must not contain "/" (it is a single top-level folder)');
  if (prefix !== prefix.trim()) problems.push('must not start or end with spaces');
  if (hasControlCharacters(prefix)) problems.push('must not contain control characters');
  if (prefix === '.' || prefix === '..') problems.push('must not be "." or ".."');
  if (prefix.length > 255) problems.push('must be at most 255 characters');
  return problems;
}
